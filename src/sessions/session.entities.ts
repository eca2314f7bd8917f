/** The tables owned by the sessions and whatsapp modules (for the migration CLI). */
import { WaAuthCredsEntity, WaAuthKeyEntity, WaInboundJournalEntity } from '../whatsapp/auth-state.entities.js';
import { SessionEntity, TenantSettingsEntity } from './session.entity.js';

export const SESSION_ENTITIES = [SessionEntity, TenantSettingsEntity, WaAuthCredsEntity, WaAuthKeyEntity, WaInboundJournalEntity];
