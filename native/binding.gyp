{
  "targets": [
    {
      "target_name": "unix_dgram",
      "sources": ["unix_dgram.c", "rxring.c", "inotify.c"],
      "cflags": ["-O2", "-Wall", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
