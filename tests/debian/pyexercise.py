# python3's runtime under tuml and the oracle: threading, subprocess, os.fork, signal,
# select, asyncio (no sockets), sqlite3, hashlib, json, zlib. Output is deterministic.
import asyncio, hashlib, json, os, select, signal, sqlite3, subprocess, sys, threading, time, zlib, queue

# threading: a lock, a condition, a queue, and a result from each thread
counter = 0
lock = threading.Lock()
def work(n, out):
    global counter
    for _ in range(2000):
        with lock:
            counter += 1
    out.put((n, sum(range(n * 1000))))
q = queue.Queue()
ts = [threading.Thread(target=work, args=(i, q)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print('threads', counter, sorted(q.get() for _ in range(4)))
ev = threading.Event(); box = []
threading.Timer(0.05, lambda: (box.append('timer'), ev.set())).start()
print('event', ev.wait(5), box)

# subprocess
r = subprocess.run(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], capture_output=True, text=True)
print('subprocess', r.returncode, repr(r.stdout), repr(r.stderr))
print('check_output', subprocess.check_output(['tr', 'a-z', 'A-Z'], input=b'piped\n'))
p = subprocess.Popen([sys.executable, '-c', 'import sys; print(sum(map(int, sys.stdin)))'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
print('popen', p.communicate(b'1\n2\n3\n')[0], p.returncode)

# os.fork, pipes, waitpid
rd, wr = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(rd); os.write(wr, b'from child %d' % (os.getppid() == os.getpid() and 0 or 1)); os._exit(5)
os.close(wr)
data = os.read(rd, 100); os.close(rd)
_, st = os.waitpid(pid, 0)
print('fork', data, os.WIFEXITED(st), os.WEXITSTATUS(st))

# signal: a handler, alarm, sigwait-free blocking, SIGCHLD default
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
signal.signal(signal.SIGALRM, lambda s, f: got.append('alarm'))
signal.setitimer(signal.ITIMER_REAL, 0.05)
time.sleep(1)
print('signal', got)
old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
os.kill(os.getpid(), signal.SIGUSR2)
print('pending', signal.SIGUSR2 in signal.sigpending())
print('sigwait', signal.sigwait({signal.SIGUSR2}))
signal.pthread_sigmask(signal.SIG_SETMASK, old)

# select and poll on pipes
r1, w1 = os.pipe()
print('select empty', select.select([r1], [], [], 0.01))
os.write(w1, b'x')
print('select ready', select.select([r1], [w1], [], 1) == ([r1], [w1], []))
po = select.poll(); po.register(r1, select.POLLIN)
print('poll', po.poll(100) == [(r1, select.POLLIN)])
ep = select.epoll(); ep.register(r1, select.EPOLLIN)
print('epoll', ep.poll(1) == [(r1, select.EPOLLIN)])
ep.close(); os.close(r1); os.close(w1)

# asyncio: tasks, gather, sleep, queues, a subprocess, run_in_executor
async def producer(qq):
    for i in range(5):
        await qq.put(i); await asyncio.sleep(0.001)
    await qq.put(None)
async def consumer(qq):
    tot = 0
    while (x := await qq.get()) is not None: tot += x
    return tot
async def amain():
    qq = asyncio.Queue()
    _, tot = await asyncio.gather(producer(qq), consumer(qq))
    proc = await asyncio.create_subprocess_exec('echo', 'async child', stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    ex = await asyncio.get_running_loop().run_in_executor(None, lambda: 6 * 7)
    try:
        await asyncio.wait_for(asyncio.sleep(10), 0.05)
    except asyncio.TimeoutError:
        to = 'timeout'
    return tot, out, proc.returncode, ex, to
print('asyncio', asyncio.run(amain()))

# sqlite3 in memory
db = sqlite3.connect(':memory:')
db.execute('create table t (k integer primary key, v text)')
with db:
    db.executemany('insert into t (v) values (?)', [(f'row{i}',) for i in range(500)])
print('sqlite3', db.execute('select count(*), min(v), max(k) from t').fetchone(), sqlite3.sqlite_version_info >= (3, 0, 0))

# hashlib, json, zlib
b = b'The quick brown fox jumps over the lazy dog' * 100
print('hash', hashlib.md5(b).hexdigest(), hashlib.sha256(b).hexdigest()[:32], hashlib.sha3_256(b).hexdigest()[:16], hashlib.blake2b(b).hexdigest()[:16])
obj = {'a': [1, 2.5, None, True], 'b': {'c': 'é\u2603'}, 'n': 10**20}
s = json.dumps(obj, sort_keys=True, ensure_ascii=True)
print('json', s, json.loads(s) == obj)
z = zlib.compress(b, 9)
print('zlib', len(z), zlib.crc32(b), zlib.adler32(b), zlib.decompress(z) == b)
print('float', repr(0.1 + 0.2), f'{2**0.5:.15f}', float('1e308') * 10)
# scheduling attributes (one CPU under tuml; the mask is pinned to CPU 0 first)
os.sched_setaffinity(0, {0})
print('sched', os.sched_getaffinity(0), os.sched_getscheduler(0), os.sched_getparam(0).sched_priority,
      os.sched_get_priority_max(os.SCHED_FIFO), os.sched_get_priority_min(os.SCHED_RR),
      *(lambda p0: (os.nice(3) - p0, os.getpriority(os.PRIO_PROCESS, 0) - p0))(os.getpriority(os.PRIO_PROCESS, 0)))
# (nice values relative to the start: the oracle inherits the host shell's niceness)
