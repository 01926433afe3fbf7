import { SAMPLE_JPEG, SAMPLE_OGG_OPUS } from '../../../tools/simulator/samples';
import { servedAs, sniffMime } from './media-types';

const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.alloc(64),
]);
const WAV = (() => {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + 100, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(100, 40);
  return Buffer.concat([header, Buffer.alloc(100)]);
})();

describe('what a stored file is served as', () => {
  it.each([
    ['a JPEG', SAMPLE_JPEG, true, 'image/jpeg'],
    ['a PNG', PNG, true, 'image/png'],
    ['an OGG/Opus voice note', SAMPLE_OGG_OPUS, true, 'audio/ogg'],
    ['a WAV recording', WAV, true, 'audio/wav'],
    [
      'an XHTML page with a script',
      Buffer.from(
        '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(document.cookie)</script></html>',
      ),
      false,
      'application/octet-stream',
    ],
    [
      'an SVG',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      false,
      'application/octet-stream',
    ],
    [
      'an HTML page',
      Buffer.from('<!doctype html><script>alert(1)</script>'),
      false,
      'application/octet-stream',
    ],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), false, 'application/octet-stream'],
    ['plain text', Buffer.from('hello there'), false, 'application/octet-stream'],
    ['nothing at all', Buffer.alloc(0), false, 'application/octet-stream'],
    ['a truncated Ogg head', Buffer.from('OggS'), false, 'application/octet-stream'],
  ])('%s → inline %s as %s', async (_name, bytes, inline, contentType) => {
    expect(servedAs((await sniffMime(bytes))?.mime)).toEqual({ inline, contentType });
  });

  it.each([
    ['image/svg+xml', false],
    ['application/xml', false],
    ['text/html', false],
    ['image/gif', true],
    ['image/webp', true],
    ['video/mp4', true],
    ['audio/mpeg', true],
    ['audio/', false],
    ['audio/x;script', false],
  ])('the type %s is inline: %s', (mime, inline) => {
    expect(servedAs(mime).inline).toBe(inline);
  });
});
