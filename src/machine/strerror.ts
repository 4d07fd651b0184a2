// Human-readable errno names for kernel messages.
const MSG: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 8: 'Exec format error',
  12: 'Cannot allocate memory', 13: 'Permission denied', 20: 'Not a directory', 21: 'Is a directory',
  40: 'Too many levels of symbolic links', 36: 'File name too long', 7: 'Argument list too long',
};
export function strerror(e: number): string { return MSG[e] ?? `errno ${e}`; }
