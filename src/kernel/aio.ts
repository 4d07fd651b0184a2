// Linux native AIO contexts (io_setup(2)): the completion ring lives in the process's
// memory as Linux maps it (struct aio_ring header, then io_events), so libaio may reap
// events from user space by moving `head`. Reads, writes and syncs complete at submit
// time; IOCB_CMD_POLL completes when its file becomes ready (or is cancelled).
import type { AddressSpace } from '../mm/aspace.js';
import { readU32, writeU32, writeI64 } from '../mm/usercopy.js';
import { WaitQueue, Waiter } from '../lib/waitqueue.js';
import type { File } from '../fs/vfs/file.js';
import { EventFdFile } from '../fs/eventfd.js';

export const AIO_RING_MAGIC = 0xa10a10a1, AIO_RING_HDR = 32, IO_EVENT_SIZE = 32;
export const AIO_MAX_NR = 65536;
const PAGE = 4096;

/** An in-flight IOCB_CMD_POLL (the only cancellable request, as in Linux). */
export class AioPoll implements Waiter {
  done = false;
  constructor(readonly ctx: AioCtx, readonly file: File, readonly events: number, readonly data: number,
    readonly obj: number, readonly resfd: EventFdFile | null) {}
  /** Wait-queue callback: complete if ready, else keep waiting. */
  wake(): void {
    if (this.done || this.ctx.dead) return;
    const m = this.file.poll() & this.events;
    if (m !== 0) this.finish(m);
    else this.file.waitQueue?.add(this);
  }
  finish(res: number): void {
    if (this.done) return;
    this.done = true;
    this.file.waitQueue?.remove(this);
    this.ctx.polls.delete(this.obj);
    this.ctx.complete(this.data, this.obj, res, 0, this.resfd);
  }
}

export class AioCtx {
  /** Ring slots (ring->nr) and the requests that may be outstanding at once. */
  readonly nrEvents: number;
  readonly maxReqs: number;
  readonly size: number;
  dead = false;
  /** Completed events not yet reaped plus requests in flight. */
  readonly wq = new WaitQueue();
  readonly polls = new Map<number, AioPoll>();
  constructor(readonly mm: AddressSpace, readonly addr: number, readonly id: number, requested: number) {
    const n = Math.max(requested, 4) * 2; // Linux: max(nr, 4 per CPU), doubled
    const pages = Math.ceil((AIO_RING_HDR + IO_EVENT_SIZE * n) / PAGE);
    this.size = pages * PAGE;
    this.nrEvents = (this.size - AIO_RING_HDR) / IO_EVENT_SIZE;
    this.maxReqs = requested;
  }
  /** Write the ring header io_setup leaves. */
  initRing(): void {
    const m = this.mm, a = this.addr;
    writeU32(m, a, this.id); writeU32(m, a + 4, this.nrEvents); writeU32(m, a + 8, 0); writeU32(m, a + 12, 0);
    writeU32(m, a + 16, AIO_RING_MAGIC); writeU32(m, a + 20, 1); writeU32(m, a + 24, 0); writeU32(m, a + 28, AIO_RING_HDR);
  }
  head(): number { return readU32(this.mm, this.addr + 8) % this.nrEvents; }
  tail(): number { return readU32(this.mm, this.addr + 12) % this.nrEvents; }
  /** Events in the ring plus polls in flight: a submit beyond nrEvents - 1 gets EAGAIN. */
  used(): number {
    let n = 0;
    try { n = (this.tail() - this.head() + this.nrEvents) % this.nrEvents; } catch { /* ring unmapped */ }
    return n + this.polls.size;
  }
  /** aio_complete: append an io_event at tail, signal the eventfd, wake reapers. */
  complete(data: number, obj: number, res: number, res2: number, resfd: EventFdFile | null): void {
    if (this.dead || this.mm.dead) return;
    try {
      const tail = this.tail();
      const e = this.addr + AIO_RING_HDR + tail * IO_EVENT_SIZE;
      writeI64(this.mm, e, data); writeI64(this.mm, e + 8, obj);
      writeI64(this.mm, e + 16, res); writeI64(this.mm, e + 24, res2);
      writeU32(this.mm, this.addr + 12, (tail + 1) % this.nrEvents);
    } catch { return; /* the process unmapped its ring: the event is lost, as the pages are */ }
    resfd?.signal(1);
    this.wq.wakeAll();
  }
}

/** Each address space's contexts by ring address (Linux: mm->ioctx_table). */
const tables = new WeakMap<AddressSpace, Map<number, AioCtx>>();
export function aioTable(mm: AddressSpace): Map<number, AioCtx> {
  let t = tables.get(mm);
  if (t === undefined) { t = new Map(); tables.set(mm, t); }
  return t;
}
export let aioNr = 0;
export function aioCharge(n: number): void { aioNr += n; }
