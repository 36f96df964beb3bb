/*
 * berth guest protocol: the wire format between the host agent and berth-init (PID 1 in the guest).
 * It is a byte stream of frames and does not depend on the transport: virtio-serial under QEMU,
 * vsock under Firecracker. The TypeScript side is apps/agent/src/drivers/qemu/guest-protocol.ts;
 * the two must change together (BERTH_PROTOCOL_VERSION).
 *
 * frame   := type:u8  id:u32le  length:u32le  payload[length]
 * id      := 0 for the workload, the exec id for an exec, 0 otherwise
 * payload of START and EXEC := a sequence of TLVs:  tag:u8  length:u32le  value[length]
 */
#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H

#define BERTH_PROTOCOL_VERSION 1
#define BERTH_MAX_FRAME (4u * 1024u * 1024u)

/* guest -> host */
enum {
  G_READY = 1,   /* payload: protocol version as text; sent until START arrives */
  G_OUTPUT = 2,  /* payload: stream:u8 (1 stdout, 2 stderr)  at_ns:u64le (guest realtime)  bytes */
  G_EXIT = 3,    /* payload: code:i32le (128+signal when killed by a signal) */
  G_STARTED = 4, /* payload: pid:u32le */
  G_ERROR = 5,   /* payload: message text; an EXIT with code 127 follows for the same id */
  G_LOG = 6,     /* payload: message text from init itself (diagnostics) */
};

/* host -> guest */
enum {
  H_START = 10,    /* payload: TLVs describing the workload and the machine */
  H_EXEC = 11,     /* payload: TLVs (ARG, ENV, WORKDIR, USER) of a process to run beside the workload */
  H_SIGNAL = 12,   /* payload: signal:u32le, sent to the process group of id */
  H_POWEROFF = 13, /* no payload: sync and power off now */
  H_WRITE_FILE = 14, /* payload: TLVs PATH and CONTENT: replace a file inside the container (e.g. /etc/hosts) */
};

/* TLV tags */
enum {
  T_ARG = 1,      /* one argv element, in order */
  T_ENV = 2,      /* one KEY=VALUE */
  T_WORKDIR = 3,  /* absolute path inside the container */
  T_USER = 4,     /* uid[:gid] or name[:group], resolved in the container's /etc/passwd and /etc/group */
  T_HOSTNAME = 5, /* the container's hostname */
  T_TIME_MS = 6,  /* host wall clock, ms since the epoch, as decimal text: the guest sets its clock from it */
  T_ROOT_RO = 7,  /* block device with the image's read-only root filesystem (erofs) */
  T_ROOT_RW = 8,  /* block device with the container's writable layer (ext4) */
  T_NET = 9,      /* "ifname addr/prefix [gateway [mtu]]" ("-" for no gateway): configure and bring up an interface */
  T_MOUNT = 10,   /* "device\0path\0fstype": mount a block device (volumes) at path inside the container */
  T_HOSTS = 11,   /* the container's /etc/hosts contents */
  T_RESOLV = 12,  /* the container's /etc/resolv.conf contents */
  T_PATH = 13,    /* WRITE_FILE: absolute path inside the container */
  T_CONTENT = 14, /* WRITE_FILE: the file's new contents */
  T_ENTROPY = 15, /* START of a clone: fresh host random bytes as hex; init reseeds the kernel's RNG with them first */
  T_MAC = 16,     /* START of a clone: "ifname aa:bb:cc:dd:ee:ff": the NIC's MAC (a clone's NICs come up with the template's) */
};

#endif
