import { splitFoldedStatus, statusSteps } from './status-steps.js';
import type { WaMessageRecord } from '../whatsapp/conversation-types.js';

describe('status steps', () => {
  it('announces the receipt steps a jump skipped, in order, then the new status', () => {
    expect(statusSteps('sent', 'delivered')).toEqual(['delivered']);
    expect(statusSteps('sent', 'read')).toEqual(['delivered', 'read']);
    expect(statusSteps('pending', 'read')).toEqual(['delivered', 'read']);
    expect(statusSteps(null, 'played')).toEqual(['delivered', 'read', 'played']);
    expect(statusSteps('delivered', 'read')).toEqual(['read']);
    expect(statusSteps('pending', 'sent')).toEqual(['sent']);
    expect(statusSteps('sent', 'error')).toEqual(['error']);
    expect(statusSteps('sent', 'nonsense')).toEqual([]);
  });

  it('writes a live message of ours as sent and keeps a folded receipt as a change', () => {
    const record = { id: 'A', remoteJid: 'x@s.whatsapp.net', fromMe: true, isStub: false, status: 'read' } as WaMessageRecord;
    const { record: row, change } = splitFoldedStatus(record);
    expect(row.status).toBe('sent');
    expect(change).toMatchObject({ id: 'A', remoteJid: 'x@s.whatsapp.net', status: 'read' });
    expect(splitFoldedStatus({ ...record, status: 'sent' }).change).toBeUndefined();
    expect(splitFoldedStatus({ ...record, fromMe: false, status: 'delivered' }).change).toBeUndefined();
  });
});
