import { versionFromDocument } from './wa-version.js';

describe('versionFromDocument', () => {
  it('reads client_revision from WhatsApp Web\'s service worker, escaped or not', () => {
    expect(versionFromDocument('self.__swData=JSON.parse("{\\"client_revision\\":1031436981,\\"x\\":1}")')).toEqual([2, 3000, 1031436981]);
    expect(versionFromDocument('{"client_revision": 1023}')).toEqual([2, 3000, 1023]);
  });

  it('gives nothing for a document without it', () => {
    expect(versionFromDocument('<html>Update your browser</html>')).toBeUndefined();
  });
});
