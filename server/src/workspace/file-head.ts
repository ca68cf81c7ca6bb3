/** The first `bytes` bytes of a file (fewer when it is shorter), for checking a format by its magic number. */
import { closeSync, openSync, readSync } from 'node:fs';

export function readFileHead(file: string, bytes: number): Buffer {
  const head = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, head, 0, bytes, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
