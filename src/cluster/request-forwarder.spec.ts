import { forwardTargetOf, withSessionId } from './request-forwarder.js';

const ID = '0b7c3f4e-7d2a-4a57-9e0c-3c1c7d2b9a10';

describe('forwardTargetOf', () => {
  it.each([
    ['POST', `/sessions/${ID}/send-message`],
    ['POST', `/sessions/${ID}/restart`],
    ['DELETE', `/sessions/${ID}`],
    ['POST', `/chats/4917000000001/messages?sessionId=${ID}`],
    ['PATCH', `/chats/4917000000001/messages/ABC?x=1&sessionId=${ID.toUpperCase()}`],
  ])('forwards %s %s to the owner of the session', (method, url) => {
    expect(forwardTargetOf(method, url)).toEqual({ kind: 'session', sessionId: ID });
  });

  it('sends POST /sessions to the least-loaded node', () => {
    expect(forwardTargetOf('POST', '/sessions')).toEqual({ kind: 'new-session' });
  });

  it.each([
    ['GET', `/sessions/${ID}`],
    ['GET', `/sessions/${ID}/qr`],
    ['GET', `/chats?sessionId=${ID}`],
    ['GET', '/chats/4917000000001/messages'],
    ['POST', '/chats/4917000000001/messages?sessionId=not-a-uuid'],
    ['POST', '/chats/4917000000001/messages?sessionId='],
    ['POST', '/contacts'],
    ['POST', '/media'],
    ['POST', '/sessions/not-a-uuid/restart'],
    ['POST', '/auth/login'],
  ])('serves %s %s locally', (method, url) => {
    expect(forwardTargetOf(method, url)).toBeNull();
  });

  it.each([
    ['POST', '/chats/4917000000001/messages'],
    ['POST', '/chats/4917000000001/messages?accessToken=x'],
    ['POST', '/chats/4917000000001/read'],
    ['PATCH', '/chats/4917000000001/messages/ABC'],
    ['DELETE', '/chats/4917000000001/messages/ABC?mySessionId=1'],
  ])('forwards %s %s to the owner of the caller\'s only session', (method, url) => {
    expect(forwardTargetOf(method, url)).toEqual({ kind: 'implied-session' });
  });
});

describe('withSessionId', () => {
  it('adds the resolved session to the query', () => {
    expect(withSessionId('/chats/1/messages', ID)).toBe(`/chats/1/messages?sessionId=${ID}`);
    expect(withSessionId('/chats/1/messages?userId=u', ID)).toBe(`/chats/1/messages?userId=u&sessionId=${ID}`);
    expect(forwardTargetOf('POST', withSessionId('/chats/1/messages?userId=u', ID))).toEqual({ kind: 'session', sessionId: ID });
  });
});
