import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagesModule } from '../messages/messages.module.js';
import { WhatsAppModule } from '../whatsapp/whatsapp.module.js';
import { OnboardingController } from './onboarding.controller.js';
import { SessionEntity, TenantSettingsEntity } from './session.entity.js';
import { SessionRegistry } from './session-registry.js';
import { SessionStore } from './session-store.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';
import { SseController } from './sse.controller.js';
import { SseOnboardings } from './sse-onboardings.js';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity, TenantSettingsEntity]), WhatsAppModule, MessagesModule],
  controllers: [SseController, SessionsController, OnboardingController],
  providers: [SessionStore, SessionRegistry, SessionsService, SseOnboardings],
  exports: [SessionsService, SessionStore, SessionRegistry, WhatsAppModule],
})
export class SessionsModule {}
