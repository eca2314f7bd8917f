import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessageEntity } from './message.entity.js';
import { MessageStore } from './message-store.js';

@Module({ imports: [TypeOrmModule.forFeature([MessageEntity])], providers: [MessageStore], exports: [MessageStore] })
export class MessagesModule {}
