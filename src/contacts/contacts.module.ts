import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ContactEntity, LidMappingEntity } from './contact.entities.js';
import { ContactStore } from './contact-store.js';
import { ContactsController } from './contacts.controller.js';
import { ContactsService } from './contacts.service.js';
import { LidMappings } from './lid-mappings.js';

@Module({
  imports: [TypeOrmModule.forFeature([ContactEntity, LidMappingEntity]), SessionsModule],
  controllers: [ContactsController],
  providers: [LidMappings, ContactStore, ContactsService],
  exports: [LidMappings, ContactStore],
})
export class ContactsModule {}
