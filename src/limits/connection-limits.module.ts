/** Caps on open realtime connections, shared by Socket.io, /ws/sessions and the SSE streams. */
import { Module } from '@nestjs/common';
import { ConnectionLimits } from './connection-limits.js';

@Module({
  providers: [ConnectionLimits],
  exports: [ConnectionLimits],
})
export class ConnectionLimitsModule {}
