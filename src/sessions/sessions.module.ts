import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { ConnectionLimitsModule } from '../limits/connection-limits.module.js';
import { SendQueueModule } from '../send-queue/send-queue.module.js';
import { WhatsAppModule } from '../whatsapp/whatsapp.module.js';
import { OnboardingController } from './onboarding.controller.js';
import { SessionEntity, TenantSettingsEntity } from './session.entity.js';
import { SessionRegistry } from './session-registry.js';
import { SessionStore } from './session-store.js';
import { SessionResolver } from './session-resolver.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';
import { SseController } from './sse.controller.js';
import { SseOnboardings } from './sse-onboardings.js';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity, TenantSettingsEntity]), WhatsAppModule, AuthModule, ConnectionLimitsModule, SendQueueModule],
  controllers: [SseController, SessionsController, OnboardingController],
  providers: [SessionStore, SessionRegistry, SessionsService, SseOnboardings, SessionResolver],
  exports: [SessionsService, SessionStore, SessionRegistry, SessionResolver, WhatsAppModule],
})
export class SessionsModule {}
