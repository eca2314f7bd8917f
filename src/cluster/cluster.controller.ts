import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Roles } from '../common/auth-context.js';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../common/swagger.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ClusterNodesDto, mapNodes } from './cluster.dto.js';
import { LeaseRepository } from './lease-repository.js';

@ApiTags('cluster')
@ApiBearerAuth(BEARER_SCHEME)
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ description: 'Not authenticated' })
@ApiForbiddenResponse({ description: 'Not an admin' })
@Roles('admin')
@Controller('cluster')
export class ClusterController {
  constructor(
    private readonly leases: LeaseRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('nodes')
  @ApiOperation({ summary: 'Cluster mode: the nodes, the sessions each holds and the age of their leases' })
  @ApiOkResponse({ type: ClusterNodesDto })
  async nodes(): Promise<ClusterNodesDto> {
    const [nodes, leases] = await Promise.all([this.leases.nodes(), this.leases.leases()]);
    const cluster = this.config.cluster!;
    return { success: true, data: { answeredBy: cluster.nodeId, nodes: mapNodes(nodes, leases, cluster.leaseTtlMs, Date.now()) } };
  }
}
