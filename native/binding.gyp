{
  "targets": [
    {
      "target_name": "unix_dgram",
      "sources": ["unix_dgram.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
