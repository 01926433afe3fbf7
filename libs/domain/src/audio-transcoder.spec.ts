import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_OGG_OPUS, SAMPLE_WEBM_OPUS } from '../../../tools/simulator/samples';
import { AudioTranscoder, TranscodeError } from './audio-transcoder';
import { sniffMime } from './media-types';

/** Runs Debian's ffmpeg for real (scripts/setup.sh installs it for `npm test`). */
describe('AudioTranscoder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-transcode-'));
  const options = { ffmpegPath: 'ffmpeg', timeoutMs: 20000, maxOutputBytes: 1024 * 1024, maxSeconds: 600 };
  const input = async (name: string, bytes: Buffer, mime: string) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return { path, mime };
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('converted what it should have refused');
      },
      (error: unknown) => error as TranscodeError,
    );

  it.each<[string, Buffer, string, string, (bytes: Buffer) => boolean]>([
    [
      "a browser's WebM/Opus into M4A for Instagram (an MP4 ftyp box)",
      SAMPLE_WEBM_OPUS,
      'video/webm',
      'audio/mp4',
      (bytes) => bytes.subarray(4, 8).toString('latin1') === 'ftyp',
    ],
    [
      "Telegram's OGG/Opus into M4A that every browser plays",
      SAMPLE_OGG_OPUS,
      'audio/ogg',
      'audio/mp4',
      (bytes) => bytes.subarray(4, 8).toString('latin1') === 'ftyp',
    ],
    [
      'WebM/Opus into OGG/Opus for Telegram',
      SAMPLE_WEBM_OPUS,
      'video/webm',
      'audio/ogg',
      (bytes) =>
        bytes.subarray(0, 4).toString('latin1') === 'OggS' && bytes.includes(Buffer.from('OpusHead')),
    ],
    [
      'OGG/Opus into 16 kHz WAV',
      SAMPLE_OGG_OPUS,
      'audio/ogg',
      'audio/wav',
      (bytes) =>
        bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
        bytes.subarray(8, 12).toString('latin1') === 'WAVE',
    ],
  ])('converts %s', async (_name, bytes, mime, target, looksRight) => {
    const output = join(dir, `out-${target.replace('/', '-')}-${mime.replace('/', '-')}`);
    const converted = await new AudioTranscoder(options).transcode(
      await input(`in-${_name.length}`, bytes, mime),
      target,
      output,
    );
    const written = await readFile(output);
    expect(converted.mime).toBe(target);
    expect(converted.size).toBe(written.length);
    expect(looksRight(written)).toBe(true);
  });

  it('the M4A it writes is what the upload sniffer calls M4A', async () => {
    const output = join(dir, 'sniffed.m4a');
    await new AudioTranscoder(options).transcode(
      await input('sniff.webm', SAMPLE_WEBM_OPUS, 'video/webm'),
      'audio/mp4',
      output,
    );
    expect((await sniffMime(await readFile(output)))?.mime).toMatch(/^audio\/(x-m4a|mp4)$/);
  });

  it.each<[string, () => Promise<{ path: string; mime: string }>, Partial<typeof options>, string]>([
    [
      'a WebM header followed by garbage is unreadable',
      () =>
        input(
          'broken.webm',
          Buffer.concat([SAMPLE_WEBM_OPUS.subarray(0, 64), Buffer.alloc(4096, 0x5a)]),
          'video/webm',
        ),
      {},
      'audio_unreadable',
    ],
    [
      'a type we have no demuxer for is unreadable',
      () => input('a.jpg', Buffer.from('not audio'), 'image/jpeg'),
      {},
      'audio_unreadable',
    ],
    [
      'a conversion past its time bound is killed',
      () => input('slow.ogg', SAMPLE_OGG_OPUS, 'audio/ogg'),
      { timeoutMs: 1 },
      'transcode_timeout',
    ],
    [
      'an output past the size cap is refused',
      () => input('big.ogg', SAMPLE_OGG_OPUS, 'audio/ogg'),
      { maxOutputBytes: 200 },
      'audio_too_large',
    ],
    [
      'no ffmpeg says so',
      () => input('x.ogg', SAMPLE_OGG_OPUS, 'audio/ogg'),
      { ffmpegPath: '/nonexistent/ffmpeg' },
      'transcoder_missing',
    ],
  ])('%s, and leaves no output behind', async (_name, source, overrides, code) => {
    const output = join(dir, `refused-${code}`);
    const error = await failure(
      new AudioTranscoder({ ...options, ...overrides }).transcode(await source(), 'audio/mp4', output),
    );
    expect(error).toBeInstanceOf(TranscodeError);
    expect(error.code).toBe(code);
    await expect(readFile(output)).rejects.toThrow(/ENOENT/);
  });
});
