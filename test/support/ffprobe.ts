import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One stream as ffprobe's JSON describes it (the fields the tests read). */
export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
}

/**
 * ffprobe's streams of a file. Asynchronous on purpose: the test server runs in the test's own process, and blocking
 * its event loop for a probe (a second or more on a loaded CI machine) let a keep-alive socket expire under a request
 * that was already on its way (ECONNRESET).
 */
export async function probeStreams(file: string, extra: string[] = []): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...extra, '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}
