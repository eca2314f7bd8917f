import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SandboxContactsController } from './sandbox-contacts.controller.js';
import { SandboxContactsService } from './sandbox-contacts.service.js';
import { SandboxGroupsController } from './sandbox-groups.controller.js';
import { SandboxGroupsService } from './sandbox-groups.service.js';
import { SandboxPhoneController } from './sandbox-phone.controller.js';
import { SandboxPhoneService } from './sandbox-phone.service.js';
import { SandboxController } from './sandbox.controller.js';
import { SandboxService } from './sandbox.service.js';

/** Imported only when WA_SANDBOX=true: the routes do not exist otherwise. */
@Module({
  imports: [SessionsModule],
  controllers: [SandboxController, SandboxContactsController, SandboxPhoneController, SandboxGroupsController],
  providers: [SandboxService, SandboxContactsService, SandboxPhoneService, SandboxGroupsService],
})
export class SandboxModule {}
