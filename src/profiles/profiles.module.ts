import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module.js';
import { MediaModule } from '../media/media.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { NumberChecks } from './number-checks.js';
import { ContactProfilesController, OwnProfileController } from './profiles.controller.js';
import { ProfilesService } from './profiles.service.js';

/** Number checks, contacts' profiles and the account's own profile (CONTRACT Part 3). */
@Module({
  imports: [SessionsModule, ContactsModule, MediaModule],
  controllers: [ContactProfilesController, OwnProfileController],
  providers: [NumberChecks, ProfilesService],
})
export class ProfilesModule {}
