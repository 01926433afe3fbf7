import { spawn } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import type { ErrorCode } from '@parley/contract/error-codes';
import { translate } from '@parley/errors/translate';

/** Why a conversion failed: a stable code (with en/fa/ar texts) that a failed reply carries. */
export type TranscodeErrorCode = Extract<
  ErrorCode,
  'audio_unreadable' | 'audio_too_large' | 'transcode_timeout' | 'transcoder_missing'
>;

export class TranscodeError extends Error {
  constructor(
    readonly code: TranscodeErrorCode,
    /** ffmpeg's own words, for the logs. */
    readonly detail?: string,
  ) {
    super(translate(code, 'en'));
  }
}

/**
 * The demuxer ffmpeg must use for each type our sniffer recognises. Forcing it (never letting ffmpeg
 * probe) keeps hostile bytes from selecting a playlist or concat demuxer that would open other files.
 */
const DEMUXERS = new Map<string, string>([
  ['audio/ogg', 'ogg'],
  ['video/webm', 'matroska'],
  ['audio/webm', 'matroska'],
  ['video/x-matroska', 'matroska'],
  ['audio/mp4', 'mov'],
  ['video/mp4', 'mov'],
  ['audio/x-m4a', 'mov'],
  ['audio/m4a', 'mov'],
  ['audio/wav', 'wav'],
  ['audio/x-wav', 'wav'],
  ['audio/vnd.wave', 'wav'],
  ['audio/mpeg', 'mp3'],
  ['audio/aac', 'aac'],
]);

/** What each target type is written as: mono speech, small. */
const ENCODERS = new Map<string, { args: string[]; extension: string }>([
  // M4A (AAC in MP4): Instagram takes it, and every browser plays it, Safari included.
  ['audio/mp4', { args: ['-c:a', 'aac', '-b:a', '64k', '-f', 'ipod'], extension: 'm4a' }],
  // OGG/Opus: the only voice note Telegram shows as one.
  [
    'audio/ogg',
    { args: ['-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-f', 'ogg'], extension: 'ogg' },
  ],
  ['audio/wav', { args: ['-c:a', 'pcm_s16le', '-ar', '16000', '-f', 'wav'], extension: 'wav' }],
]);

export interface TranscoderOptions {
  ffmpegPath: string;
  timeoutMs: number;
  /** The converted file is cut off, and refused, past this size. */
  maxOutputBytes: number;
  /** Longer audio is refused rather than converted for minutes. */
  maxSeconds: number;
}

/** Whether `mime` is audio we can convert from. */
export const canTranscodeFrom = (mime: string) => DEMUXERS.has(mime);
/** Whether `mime` is a type we can convert to, and its file extension. */
export const transcodeTarget = (mime: string) => ENCODERS.get(mime);

/**
 * Converts audio with Debian's ffmpeg in a child process: bounded in time (killed when it passes),
 * in output size and in duration, reading only the demuxer the bytes were sniffed as. The worker
 * calls it (sending a voice note, storing a playable copy), never an api request.
 */
export class AudioTranscoder {
  constructor(private readonly options: TranscoderOptions) {}

  async transcode(input: { path: string; mime: string }, target: string, outputPath: string) {
    const demuxer = DEMUXERS.get(input.mime);
    const encoder = ENCODERS.get(target);
    if (!demuxer) throw new TranscodeError('audio_unreadable', `${input.mime} is not a voice format`);
    if (!encoder) throw new Error(`no encoder for ${target}`);
    const args = [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-protocol_whitelist',
      'file,pipe',
      '-f',
      demuxer,
      '-i',
      input.path,
      '-map',
      '0:a:0',
      '-vn',
      '-ac',
      '1',
      '-t',
      String(this.options.maxSeconds),
      '-threads',
      '1',
      ...encoder.args,
      '-fs',
      String(this.options.maxOutputBytes + 1),
      '-y',
      outputPath,
    ];
    try {
      await this.run(args);
      const { size } = await stat(outputPath);
      if (size > this.options.maxOutputBytes) throw new TranscodeError('audio_too_large');
      if (size === 0) throw new TranscodeError('audio_unreadable', 'no audio in it');
      return { mime: target, size, extension: encoder.extension };
    } catch (error) {
      await rm(outputPath, { force: true });
      throw error;
    }
  }

  private run(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, this.options.timeoutMs);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < 2000) stderr += chunk;
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          error.code === 'ENOENT'
            ? new TranscodeError('transcoder_missing')
            : new TranscodeError('audio_unreadable', error.message),
        );
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (timedOut) return reject(new TranscodeError('transcode_timeout'));
        if (code === 0) return resolve();
        const line = stderr.trim().split('\n').pop()?.slice(0, 200);
        reject(new TranscodeError('audio_unreadable', line || `ffmpeg exited with ${code}`));
      });
    });
  }
}
