import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module.js';
import { CallSettingsEntity } from './call-settings.entity.js';
import { CallsController } from './calls.controller.js';
import { CallsService } from './calls.service.js';

/** Calls: `session.call` bookkeeping, rejecting, the tenant's auto-reject (CONTRACT Part 3). */
@Module({
  imports: [TypeOrmModule.forFeature([CallSettingsEntity]), SessionsModule],
  controllers: [CallsController],
  providers: [CallsService],
})
export class CallsModule {}
