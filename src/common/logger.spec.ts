import { redactUrl } from './logger.js';

describe('redactUrl', () => {
  it('redacts credential parameters by their literal names, in any letter case', () => {
    expect(redactUrl('/sessions?accessToken=abc.def&limit=5')).toBe('/sessions?accessToken=[REDACTED]&limit=5');
    expect(redactUrl('/x?limit=5&ACCESS_TOKEN=abc&apiKey=k#frag')).toBe('/x?limit=5&ACCESS_TOKEN=[REDACTED]&apiKey=[REDACTED]#frag');
  });

  it('redacts a parameter whose name is spelled with percent-escapes (the query parser decodes names)', () => {
    expect(redactUrl('/sessions?accessTok%65n=eyJ.secret')).toBe('/sessions?accessTok%65n=[REDACTED]');
    expect(redactUrl('/s?%61%63%63%65%73%73%54%6f%6b%65%6e=eyJ&x=1')).toBe('/s?%61%63%63%65%73%73%54%6f%6b%65%6e=[REDACTED]&x=1');
    expect(redactUrl('/s?access%5Ftoken=eyJ')).toBe('/s?access%5Ftoken=[REDACTED]');
  });

  it('leaves other parameters, bad escapes and URLs without a query alone', () => {
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl('/s?q=%zz&tokens=1')).toBe('/s?q=%zz&tokens=1');
    expect(redactUrl('/s?%zz=1&token')).toBe('/s?%zz=1&token=[REDACTED]');
  });
});
