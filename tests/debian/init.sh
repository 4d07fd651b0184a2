#!/bin/sh
# What an init does before the checks run, under tuml (init=… runs first with nothing
# mounted) and in the oracle's chroot (a private mount namespace): /proc, and the
# /dev/fd links that udev would make on a devtmpfs /dev. Then run the command.
[ -e /proc/self ] || mount -t proc proc /proc
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
[ -e /dev/shm ] || { mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; }
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec "$@"
