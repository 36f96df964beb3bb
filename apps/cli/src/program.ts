import { Command } from 'commander';
import type { CliContext } from './context';
import { registerLogin } from './commands/auth/login';
import { registerLogout } from './commands/auth/logout';
import { registerCompletion } from './commands/completion/completion';
import { registerExec } from './commands/container/exec';
import { registerInspect } from './commands/container/inspect';
import { registerLogs } from './commands/container/logs';
import { registerPs } from './commands/container/ps';
import { registerRestart } from './commands/container/restart';
import { registerRm } from './commands/container/rm';
import { registerRun } from './commands/container/run';
import { registerStart } from './commands/container/start';
import { registerStop } from './commands/container/stop';
import { registerWait } from './commands/container/wait';
import { registerFipAllocate } from './commands/fip/allocate';
import { registerFipAttach } from './commands/fip/attach';
import { registerFipDetach } from './commands/fip/detach';
import { registerFipInspect } from './commands/fip/inspect';
import { registerFipLs } from './commands/fip/ls';
import { registerFipName } from './commands/fip/name';
import { registerFipRelease } from './commands/fip/release';
import { registerHostsLs } from './commands/hosts/ls';
import { registerHostsReadmit } from './commands/hosts/readmit';
import { registerImages } from './commands/image/ls';
import { registerInvoices } from './commands/invoices/ls';
import { registerInvoicesShow } from './commands/invoices/show';
import { registerPull } from './commands/image/pull';
import { registerRmi } from './commands/image/rm';
import { registerBillingDeadLetters } from './commands/billing-admin/dead-letters';
import { registerBillingDrift } from './commands/billing-admin/drift';
import { registerJoinTokensCreate } from './commands/join-tokens/create';
import { registerJoinTokensLs } from './commands/join-tokens/ls';
import { registerJoinTokensRm } from './commands/join-tokens/rm';
import { registerKeysCreate } from './commands/keys/create';
import { registerKeysLs } from './commands/keys/ls';
import { registerKeysRevoke } from './commands/keys/revoke';
import { registerNetworkCreate } from './commands/network/create';
import { registerNetworkInspect } from './commands/network/inspect';
import { registerNetworkLs } from './commands/network/ls';
import { registerNetworkRm } from './commands/network/rm';
import { registerOperationWait } from './commands/operation/wait';
import { registerRegistryLs } from './commands/registry/ls';
import { registerSgAttach } from './commands/sg/attach';
import { registerSgCreate } from './commands/sg/create';
import { registerSgDetach } from './commands/sg/detach';
import { registerSgInspect } from './commands/sg/inspect';
import { registerSgLs } from './commands/sg/ls';
import { registerSgRm } from './commands/sg/rm';
import { registerSgRuleAdd } from './commands/sg/rule/add';
import { registerSgRuleLs } from './commands/sg/rule/ls';
import { registerSgRuleRm } from './commands/sg/rule/rm';
import { registerSnapshotCreate } from './commands/snapshot/create';
import { registerSnapshotInspect } from './commands/snapshot/inspect';
import { registerSnapshotLs } from './commands/snapshot/ls';
import { registerSnapshotRestore } from './commands/snapshot/restore';
import { registerSnapshotRm } from './commands/snapshot/rm';
import { registerTenantsCreate } from './commands/tenants/create';
import { registerTenantsLs } from './commands/tenants/ls';
import { registerTenantsReactivate } from './commands/tenants/reactivate';
import { registerTenantsSuspend } from './commands/tenants/suspend';
import { registerUsage } from './commands/usage/usage';
import { registerQuotas } from './commands/quotas/quotas';
import { registerTenantsQuotas } from './commands/tenants/quotas';
import { registerVolumeCreate } from './commands/volume/create';
import { registerVolumeInspect } from './commands/volume/inspect';
import { registerVolumeLs } from './commands/volume/ls';
import { registerVolumeRm } from './commands/volume/rm';

const GETTING_STARTED = `
Getting started:
  $ berth login --url http://127.0.0.1:8080        # asks for your API key (bk_...)
  $ berth pull 127.0.0.1:5000/me/busybox:latest
  $ berth run -d --name hello --size s1 127.0.0.1:5000/me/busybox sh -c 'while true; do date; sleep 5; done'
  $ berth ps
  $ berth logs -f hello
  $ berth exec hello uname -a
  $ berth rm -f hello

Every listing takes --json (for scripts) and -q (ids only). Errors print "Error: <code>: <message>"
and exit 1 (2 for bad flags, 130 after Ctrl-C). BERTH_API_URL and BERTH_API_KEY override the login
stored in ~/.config/berth/config.json; BERTH_OPERATOR_TOKEN is the operator token for \`berth admin\`.
`;

/** A command that only groups others: shows its help, exit 1, when called without one. */
function group(parent: Command, name: string, summary: string): Command {
  return parent.command(name).summary(summary).description(summary);
}

/**
 * The whole command tree. Settings on the root (exitOverride, output, positional options) are set
 * before any subcommand is added, since commander copies them into each subcommand it creates.
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('berth')
    .description('berth: run OCI images as microVMs on a berth cloud, the way you run them with Docker.')
    .version(ctx.deps.version, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.out(s),
      writeErr: (s) => ctx.out.err(s),
    })
    // Flags after `run IMAGE` or `exec CONTAINER` belong to the container's command.
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', GETTING_STARTED);

  registerLogin(program, ctx);
  registerLogout(program, ctx);

  registerRun(program, ctx);
  registerPs(program, ctx);
  registerLogs(program, ctx);
  registerExec(program, ctx);
  registerStop(program, ctx);
  registerStart(program, ctx);
  registerRestart(program, ctx);
  registerRm(program, ctx);
  registerInspect(program, ctx);
  registerWait(program, ctx);

  registerPull(program, ctx);
  registerImages(program, ctx);
  registerRmi(program, ctx);
  const registry = group(
    program,
    'registry',
    'registry logins berth pulls with (add one with `berth login HOST`)',
  );
  registerRegistryLs(registry, ctx);

  const network = group(program, 'network', 'private networks your containers join (`berth run --net`)');
  registerNetworkCreate(network, ctx);
  registerNetworkLs(network, ctx);
  registerNetworkInspect(network, ctx);
  registerNetworkRm(network, ctx);

  const sg = group(program, 'sg', 'security groups: what traffic may reach and leave containers');
  registerSgCreate(sg, ctx);
  registerSgLs(sg, ctx);
  registerSgInspect(sg, ctx);
  registerSgRm(sg, ctx);
  const rule = group(sg, 'rule', "a security group's allow rules");
  registerSgRuleAdd(rule, ctx);
  registerSgRuleLs(rule, ctx);
  registerSgRuleRm(rule, ctx);
  registerSgAttach(sg, ctx);
  registerSgDetach(sg, ctx);

  const fip = group(program, 'fip', 'floating IPs: public addresses you point at containers');
  registerFipAllocate(fip, ctx);
  registerFipLs(fip, ctx);
  registerFipInspect(fip, ctx);
  registerFipAttach(fip, ctx);
  registerFipDetach(fip, ctx);
  registerFipName(fip, ctx);
  registerFipRelease(fip, ctx);

  const volume = group(program, 'volume', 'block volumes: disks that outlive containers (`berth run -v`)');
  registerVolumeCreate(volume, ctx);
  registerVolumeLs(volume, ctx);
  registerVolumeInspect(volume, ctx);
  registerVolumeRm(volume, ctx);

  const snapshot = group(program, 'snapshot', 'snapshots of volumes, and new volumes restored from them');
  registerSnapshotCreate(snapshot, ctx);
  registerSnapshotLs(snapshot, ctx);
  registerSnapshotInspect(snapshot, ctx);
  registerSnapshotRm(snapshot, ctx);
  registerSnapshotRestore(snapshot, ctx);

  const keys = group(program, 'keys', 'your API keys');
  registerKeysCreate(keys, ctx);
  registerKeysLs(keys, ctx);
  registerKeysRevoke(keys, ctx);

  registerUsage(program, ctx);
  registerQuotas(program, ctx);
  const invoices = registerInvoices(program, ctx);
  registerInvoicesShow(invoices, ctx);

  const operation = group(program, 'operation', 'follow asynchronous operations (op_...)');
  registerOperationWait(operation, ctx);

  const admin = group(
    program,
    'admin',
    'operator commands: tenants, hosts, join tokens and billing (needs the operator token)',
  );
  const tenants = group(admin, 'tenants', 'create, list and suspend tenants');
  registerTenantsCreate(tenants, ctx);
  registerTenantsLs(tenants, ctx);
  registerTenantsSuspend(tenants, ctx);
  registerTenantsReactivate(tenants, ctx);
  registerTenantsQuotas(tenants, ctx);
  const hosts = group(admin, 'hosts', 'the fleet');
  registerHostsLs(hosts, ctx);
  registerHostsReadmit(hosts, ctx);
  const joinTokens = group(admin, 'join-tokens', 'tokens agents register new hosts with');
  registerJoinTokensCreate(joinTokens, ctx);
  registerJoinTokensLs(joinTokens, ctx);
  registerJoinTokensRm(joinTokens, ctx);
  const billing = group(admin, 'billing', "berth's usage against Stripe: dead letters and drift");
  registerBillingDeadLetters(billing, ctx);
  registerBillingDrift(billing, ctx);

  registerCompletion(program, ctx, program);
  return program;
}
