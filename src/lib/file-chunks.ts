// A file as a stream of chunks read into ONE reused buffer. fs.createReadStream allocates a fresh buffer per
// read, and those buffers live outside the JS heap until a GC finds them: on a multi-gigabyte file that is tens of
// megabytes of dead chunks at any time. A consumer must finish with (or copy) a chunk before asking for the next.
import { open } from 'node:fs/promises';

export async function* fileChunks(path: string, chunkBytes = 1024 * 1024): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
