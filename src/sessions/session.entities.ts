/** The tables owned by the sessions, whatsapp and messages modules (for the migration CLI). */
import { MessageEntity } from '../messages/message.entity.js';
import { WaAuthCredsEntity, WaAuthKeyEntity, WaInboundJournalEntity } from '../whatsapp/auth-state.entities.js';
import { SessionEntity, TenantSettingsEntity } from './session.entity.js';

export const SESSION_ENTITIES = [SessionEntity, TenantSettingsEntity, WaAuthCredsEntity, WaAuthKeyEntity, WaInboundJournalEntity, MessageEntity];
