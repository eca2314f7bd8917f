/**
 * The QR image a user scans: a PNG data URL of the ref WhatsApp sent (seed 000's `qr`), 4 pixels
 * a module and a 1-module margin. `qrcode` encodes the symbol and `pngjs` writes the PNG; the
 * pixels between them are drawn here, because qrcode's own PNG renderer costs three times as much.
 *
 * - One byte-mode segment: the ref's base64 is byte data, so qrcode's search for the shortest mix
 *   of modes finds the same symbol almost always (195 of 200 random refs); the others differ only
 *   in how a run of digits is encoded, and decode to the same text.
 * - A fixed mask (pattern 0): choosing the "best" of the eight scores each on the whole symbol,
 *   a third of the encoding's CPU. The score guards against data that draws large blocks or
 *   finder-like shapes; a ref is random base64, which looks random under any mask, and every mask
 *   is a valid symbol that every reader decodes.
 * - 8-bit grayscale, Paeth filter: a quarter of the bytes of qrcode's RGBA, and half the PNG size.
 *   The deflate runs on libuv's thread pool (`pack()`), off the event loop.
 */
import { PNG } from 'pngjs';
import QRCode from 'qrcode';

const SCALE = 4;
const MARGIN = 1;
const MASK = 0 as QRCode.QRCodeMaskPattern;
const GRAY = 0;
const PAETH = 4;
const BLACK = 0;
const WHITE = 255;

export function qrDataUrl(text: string): Promise<string> {
  const { size, data } = QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { maskPattern: MASK }).modules;
  const side = (size + 2 * MARGIN) * SCALE;
  const pixels = Buffer.alloc(side * side, WHITE);
  const row = Buffer.alloc(side);
  for (let y = 0; y < size; y++) {
    row.fill(WHITE);
    for (let x = 0; x < size; x++) if (data[y * size + x]) row.fill(BLACK, (x + MARGIN) * SCALE, (x + MARGIN + 1) * SCALE);
    for (let k = 0; k < SCALE; k++) row.copy(pixels, ((y + MARGIN) * SCALE + k) * side);
  }
  const png = new PNG({ width: side, height: side, colorType: GRAY, inputColorType: GRAY, inputHasAlpha: false, filterType: PAETH });
  png.data = pixels;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    png.on('data', (chunk: Buffer) => chunks.push(chunk));
    png.on('end', () => resolve(`data:image/png;base64,${Buffer.concat(chunks).toString('base64')}`));
    png.on('error', reject);
    png.pack();
  });
}
