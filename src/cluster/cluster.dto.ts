import { ApiProperty } from '@nestjs/swagger';
import type { LeaseRow, NodeRow } from './lease-repository.js';

export class ClusterLeaseDto {
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ description: 'Fencing token: grows on every claim', example: '3' }) epoch: string;
  @ApiProperty({ description: 'Since this node claimed it, in ms' }) heldForMs: number;
  @ApiProperty({ description: 'Since its last renewal, in ms' }) renewedAgoMs: number;
  @ApiProperty({ description: 'Until it expires unless renewed, in ms' }) expiresInMs: number;
}

export class ClusterNodeDto {
  @ApiProperty({ example: 'node-1' }) id: string;
  @ApiProperty({ example: 'http://10.0.0.1:3000' }) url: string;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ format: 'date-time' }) heartbeatAt: string;
  @ApiProperty({ description: 'Beat within the lease TTL' }) live: boolean;
  @ApiProperty({ description: 'Shutting down: placement gives it nothing more' }) draining: boolean;
  @ApiProperty({ description: 'Reached Redis within the lease TTL at its last heartbeat; a node that did not gets no sessions while another one does' }) redisOk: boolean;
  @ApiProperty({ type: [ClusterLeaseDto] }) sessions: ClusterLeaseDto[];
}

export class ClusterNodesDataDto {
  @ApiProperty({ description: 'The node that answered', example: 'node-2' }) answeredBy: string;
  @ApiProperty({ type: [ClusterNodeDto] }) nodes: ClusterNodeDto[];
}

export class ClusterNodesDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: ClusterNodesDataDto }) data: ClusterNodesDataDto;
}

export function mapNodes(nodes: NodeRow[], leases: LeaseRow[], ttlMs: number, now: number): ClusterNodeDto[] {
  return nodes.map((n) => ({
    id: n.id,
    url: n.url,
    startedAt: n.startedAt.toISOString(),
    heartbeatAt: n.heartbeatAt.toISOString(),
    live: now - n.heartbeatAt.getTime() < ttlMs,
    draining: n.draining,
    redisOk: n.redisOk,
    sessions: leases.filter((l) => l.nodeId === n.id).map((l) => ({
      sessionId: l.sessionId,
      epoch: l.epoch,
      heldForMs: Math.max(0, now - l.acquiredAt.getTime()),
      renewedAgoMs: Math.max(0, now - l.renewedAt.getTime()),
      expiresInMs: Math.max(0, l.expiresAt.getTime() - now),
    })),
  }));
}
