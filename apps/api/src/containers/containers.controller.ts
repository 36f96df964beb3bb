import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AcceptedView, ContainerView, ExecResultView, Page } from '@berth/contracts';
import { TenantAuthGuard } from '../auth/guards';
import { CurrentTenant } from '../auth/principal.decorator';
import type { TenantPrincipal } from '../auth/principal';
import { ContainerExecService } from './container-exec.service';
import { ContainerLogsService, parseSince } from './container-logs.service';
import { ContainersService } from './containers.service';
import { ExecDto } from './dto/exec.dto';
import { LogsQueryDto } from './dto/logs-query.dto';
import { CreateContainerDto } from './dto/create-container.dto';
import { DeleteContainerQueryDto } from './dto/delete-container.dto';
import { ListContainersDto } from './dto/list-containers.dto';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same key and body: the first answer again. Same key, other body: 409.',
};

/** `:ref` is a container id or its name. Actions answer 202 with the operation that carries them out. */
@ApiTags('containers')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@Controller('v1/containers')
export class ContainersController {
  constructor(
    private readonly containers: ContainersService,
    private readonly execs: ContainerExecService,
    private readonly logs: ContainerLogsService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Create and start a container' })
  create(
    @CurrentTenant() t: TenantPrincipal,
    @Body() dto: CreateContainerDto,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.create(t.tenantId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List containers (deleted ones are not listed)' })
  list(@CurrentTenant() t: TenantPrincipal, @Query() q: ListContainersDto): Promise<Page<ContainerView>> {
    return this.containers.list(t.tenantId, q);
  }

  @Get(':ref')
  @ApiOperation({ summary: 'Show a container' })
  get(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<ContainerView> {
    return this.containers.get(t.tenantId, ref);
  }

  @Post(':ref/start')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Start a stopped, exited or failed container' })
  start(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'start');
  }

  @Post(':ref/stop')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Stop a container: the workload is signalled, then killed after a timeout' })
  stop(@CurrentTenant() t: TenantPrincipal, @Param('ref') ref: string): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'stop');
  }

  @Post(':ref/restart')
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Restart a container' })
  restart(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'restart');
  }

  @Post(':ref/exec')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Run a command in a running container; answers with its exit code and output' })
  exec(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Body() dto: ExecDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExecResultView> {
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    return this.execs.exec(t.tenantId, ref, dto, aborted.signal);
  }

  @Get(':ref/logs')
  @ApiOperation({
    summary:
      'Container output as NDJSON lines {at, stream, text}; follow=true streams until the container stops, with blank keep-alive lines while it is quiet',
  })
  async logLines(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Query() q: LogsQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const c = await this.logs.resolve(t.tenantId, ref);
    const sinceMs = parseSince(q.since);
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    const lines = this.logs.lines(
      c,
      {
        ...(q.tail !== undefined ? { tail: q.tail } : {}),
        ...(sinceMs !== undefined ? { sinceMs } : {}),
        follow: q.follow === 'true',
      },
      aborted.signal,
    );
    const body = Readable.from(
      (async function* () {
        for await (const line of lines) yield line === null ? '\n' : `${JSON.stringify(line)}\n`;
      })(),
    );
    await reply
      .header('content-type', 'application/x-ndjson; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(body);
  }

  @Delete(':ref')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delete a container; a running one needs force=true' })
  remove(
    @CurrentTenant() t: TenantPrincipal,
    @Param('ref') ref: string,
    @Query() q: DeleteContainerQueryDto,
  ): Promise<AcceptedView<ContainerView>> {
    return this.containers.act(t.tenantId, ref, 'delete', { force: q.force === 'true' });
  }
}
