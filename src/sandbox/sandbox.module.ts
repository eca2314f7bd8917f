import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SandboxBodyGuard } from './sandbox-body-guard.js';
import { SandboxContactKindsController } from './sandbox-contact-kinds.controller.js';
import { SandboxContactKindsService } from './sandbox-contact-kinds.service.js';
import { SandboxContactsController } from './sandbox-contacts.controller.js';
import { SandboxContactsService } from './sandbox-contacts.service.js';
import { SandboxGroupsController } from './sandbox-groups.controller.js';
import { SandboxGroupsService } from './sandbox-groups.service.js';
import { SandboxPhoneController } from './sandbox-phone.controller.js';
import { SandboxPhoneService } from './sandbox-phone.service.js';
import { SandboxController } from './sandbox.controller.js';
import { SandboxService } from './sandbox.service.js';
import { SandboxTenancy } from './sandbox-tenancy.service.js';

/** Imported only when WA_SANDBOX=true: the routes do not exist otherwise. */
@Module({
  imports: [AuthModule, SessionsModule],
  controllers: [SandboxController, SandboxContactsController, SandboxPhoneController, SandboxContactKindsController, SandboxGroupsController],
  providers: [SandboxService, SandboxContactsService, SandboxPhoneService, SandboxTenancy, SandboxBodyGuard, SandboxContactKindsService, SandboxGroupsService],
})
export class SandboxModule {}
