/**
 * The QR image decodes to the ref it carries (jsQR reads the PNG as a phone's camera would read
 * the screen), for refs shaped like WhatsApp's and for one with long runs of digits, where the
 * single byte-mode segment differs from qrcode's own choice of modes.
 */
import { randomBytes } from 'node:crypto';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
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
    for (const text of Array.from({ length: 5 }, ref)) expect(await decode(await qrDataUrl(text))).toBe(text);
  });

  it('decodes runs of digits as well', async () => {
    const text = `2@${'1234567890'.repeat(8)},${randomBytes(32).toString('base64')},0123456789`;
    expect(await decode(await qrDataUrl(text))).toBe(text);
  });
});
