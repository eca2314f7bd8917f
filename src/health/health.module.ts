import { Module } from '@nestjs/common';
import { WhatsAppModule } from '../whatsapp/whatsapp.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [WhatsAppModule], controllers: [HealthController] })
export class HealthModule {}
