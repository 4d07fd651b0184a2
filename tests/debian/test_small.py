# A small module for `python3 -m unittest` under tuml and the oracle.
import os, tempfile, unittest

def wordfreq(text):
    out = {}
    for w in text.lower().split():
        out[w] = out.get(w, 0) + 1
    return out

class WordFreq(unittest.TestCase):
    def test_counts(self):
        self.assertEqual(wordfreq('a b A c b a'), {'a': 3, 'b': 2, 'c': 1})
    def test_empty(self):
        self.assertEqual(wordfreq(''), {})

class Files(unittest.TestCase):
    def test_tempfile_roundtrip(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, 'x.txt')
            with open(p, 'w') as f:
                f.write('hello\n' * 100)
            self.assertEqual(os.path.getsize(p), 600)
            with open(p) as f:
                self.assertEqual(len(f.readlines()), 100)
    @unittest.skipIf(os.name != 'posix', 'posix only')
    def test_fork_exit_status(self):
        pid = os.fork()
        if pid == 0:
            os._exit(9)
        self.assertEqual(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), 9)
    def test_expected_failure_raises(self):
        with self.assertRaises(ZeroDivisionError):
            1 / 0

if __name__ == '__main__':
    unittest.main()
