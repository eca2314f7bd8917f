import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SandboxPhoneController } from './sandbox-phone.controller.js';
import { SandboxPhoneService } from './sandbox-phone.service.js';
import { SandboxController } from './sandbox.controller.js';
import { SandboxService } from './sandbox.service.js';

/** Imported only when WA_SANDBOX=true: the routes do not exist otherwise. */
@Module({ imports: [SessionsModule], controllers: [SandboxController, SandboxPhoneController], providers: [SandboxService, SandboxPhoneService] })
export class SandboxModule {}
