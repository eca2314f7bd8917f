/**
 * The QR image decodes to the ref it carries (jsQR reads the PNG as a phone's camera would read
 * the screen), for refs shaped like WhatsApp's and for one with long runs of digits, where the
 * single byte-mode segment differs from qrcode's own choice of modes; and each module is a 4×4
 * square of the symbol qrcode encodes, inside a 1-module margin.
 */
import { randomBytes } from 'node:crypto';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { qrDataUrl } from './qr-image.js';

// jsqr is CommonJS with `exports.default`: Node's ESM default import is the exports object.
const jsQR: typeof jsQRModule.default = (jsQRModule as unknown as { default?: typeof jsQRModule.default }).default ?? (jsQRModule as unknown as typeof jsQRModule.default);

async function decode(dataUrl: string): Promise<string | undefined> {
  expect(dataUrl.startsWith('data:image/png;base64,')).toBe(true);
  const png = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

const ref = (): string =>
  `2@${randomBytes(60).toString('base64')},${randomBytes(32).toString('base64')},${randomBytes(32).toString('base64')},${randomBytes(32).toString('base64')},1`;

describe('qrDataUrl', () => {
  it('renders refs shaped like WhatsApp\'s as PNGs that decode to them', async () => {
    for (const text of Array.from({ length: 20 }, ref)) expect(await decode(await qrDataUrl(text))).toBe(text);
  });

  it('draws every module of the symbol as a 4×4 square inside a 1-module white margin', async () => {
    const text = ref();
    const png = PNG.sync.read(Buffer.from((await qrDataUrl(text)).split(',')[1], 'base64'));
    const { size, data } = QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { maskPattern: 0 as QRCode.QRCodeMaskPattern }).modules;
    expect([png.width, png.height]).toEqual([(size + 2) * 4, (size + 2) * 4]);
    // pngjs reads any PNG as RGBA: a pixel is black or white in its red byte.
    const dark = (px: number, py: number) => png.data[(py * png.width + px) * 4] === 0;
    let mismatches = 0;
    for (let py = 0; py < png.height; py++) {
      for (let px = 0; px < png.width; px++) {
        const [x, y] = [Math.floor(px / 4) - 1, Math.floor(py / 4) - 1];
        const expected = x >= 0 && y >= 0 && x < size && y < size && data[y * size + x] === 1;
        if (dark(px, py) !== expected) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('decodes runs of digits as well', async () => {
    const text = `2@${'1234567890'.repeat(8)},${randomBytes(32).toString('base64')},0123456789`;
    expect(await decode(await qrDataUrl(text))).toBe(text);
  });
});
