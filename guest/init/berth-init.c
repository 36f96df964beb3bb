/*
 * berth-init: PID 1 of every berth microVM (in the spirit of Hyper's hyperstart).
 *
 * It runs from a tiny initramfs. It opens the agent channel (a virtio-serial port named "berth.0"),
 * announces itself, and waits for START. Then it assembles the container's root filesystem (the
 * image's read-only erofs under an overlay whose upper layer is the container's own ext4 disk),
 * applies hostname, clock, network and mounts, and runs the workload with its env, workdir and user.
 * Workload stdout and stderr go to the agent as timestamped frames; EXEC runs more processes beside
 * it; SIGNAL forwards signals. When the workload exits, init reports the exit code and powers off.
 *
 * Small and static on purpose: libc only, no allocation after start-up beyond fixed tables.
 * The wire format is in protocol.h.
 *
 * Template mode (`berth.template` on the kernel command line, docs/vm-templates.md): init stops at
 * the template point (channel open, no disk read, no identity applied), says so on the console and
 * waits for START like a cold boot. The agent snapshots it there; every clone restored from the
 * snapshot resumes in that wait, and on START first reseeds the RNG with the host's bytes, sets the
 * clock and drops what its block cache holds of the template's placeholder disks, then goes on as a
 * cold boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/random.h>

#include "protocol.h"

#define MAX_PROCS 64
#define MAX_ITEMS 512
#define NEWROOT "/newroot"
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* After the workload is reaped, wait this long for its pipes to drain (grandchildren may hold them). */
#define DRAIN_MS 300

struct spec {
  char *args[MAX_ITEMS];
  int nargs;
  char *envs[MAX_ITEMS];
  int nenvs;
  char *workdir, *user, *hostname, *time_ms, *root_ro, *root_rw, *hosts, *resolv;
  char *path, *content, *entropy;
  char *nets[16];
  int nnets;
  char *macs[16];
  int nmacs;
  char *mounts[32]; /* "dev\0path\0fstype" */
  int nmounts;
};

struct proc {
  int used;
  uint32_t id;
  pid_t pid;
  int out_fd, err_fd;
  int reaped;
  int code;
  long long reaped_at_ms;
};

static int chan = -1;
static struct proc procs[MAX_PROCS];
static int workload_done = 0;
/* Booted to become a template (see the top of this file). */
static int template_mode = 0;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = (v >> 24) & 0xff;
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static void send_frame(uint8_t type, uint32_t id, const void *a, size_t alen, const void *b, size_t blen) {
  unsigned char head[9];
  head[0] = type;
  put32(head + 1, id);
  put32(head + 5, (uint32_t)(alen + blen));
  if (chan < 0) return;
  /* One write per frame part; the channel is only written from this single thread. */
  write_all(chan, head, sizeof head);
  if (alen) write_all(chan, a, alen);
  if (blen) write_all(chan, b, blen);
}

static void say(uint8_t type, uint32_t id, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
  send_frame(type, id, msg, (size_t)n, NULL, 0);
  if (chan < 0 || type == G_LOG) fprintf(stderr, "berth-init: %s\n", msg);
}

static void send_exit(uint32_t id, int code) {
  unsigned char p[4];
  put32(p, (uint32_t)code);
  send_frame(G_EXIT, id, p, 4, NULL, 0);
}

static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  reboot(RB_AUTOBOOT); /* with QEMU -no-reboot a reset ends the VM too */
  for (;;) pause();
}

static void mkdir_p(const char *path, mode_t mode) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      mkdir(tmp, mode);
      *p = '/';
    }
  }
  mkdir(tmp, mode);
}

/* "serial:NAME" names the virtio disk whose serial is NAME: disk order differs between machine types. */
static const char *resolve_device(const char *dev, char *out, size_t outlen) {
  if (!dev || strncmp(dev, "serial:", 7) != 0) return dev;
  for (int tries = 0; tries < 100; tries++) {
    DIR *d = opendir("/sys/block");
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[512], serial[128] = {0};
        snprintf(path, sizeof path, "/sys/block/%s/serial", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, serial, sizeof serial - 1);
        close(fd);
        while (n > 0 && (serial[n - 1] == '\n' || serial[n - 1] == ' ')) serial[--n] = 0;
        if (n > 0 && strcmp(serial, dev + 7) == 0) {
          snprintf(out, outlen, "/dev/%s", e->d_name);
          closedir(d);
          return out;
        }
      }
      closedir(d);
    }
    usleep(20 * 1000);
  }
  return dev;
}

static int mount_or_log(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
  mkdir_p(dst, 0755);
  if (mount(src, dst, type, flags, data) != 0) {
    say(G_LOG, 0, "mount %s on %s (%s): %s", src ? src : "-", dst, type ? type : "bind", strerror(errno));
    return -1;
  }
  return 0;
}

/* ---------- the agent channel ---------- */

static int open_channel(void) {
  /* The port's device node name (vportNpM) depends on probe order: find it by its name. */
  for (int tries = 0; tries < 200; tries++) {
    DIR *d = opendir("/sys/class/virtio-ports");
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[512], name[64] = {0};
        snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, name, sizeof name - 1);
        close(fd);
        if (n > 0 && strncmp(name, "berth.0", 7) == 0) {
          char dev[300];
          snprintf(dev, sizeof dev, "/dev/%s", e->d_name);
          closedir(d);
          /* Keep one descriptor open for both directions: reopening per write loses host data. */
          return open(dev, O_RDWR | O_CLOEXEC);
        }
      }
      closedir(d);
    }
    usleep(50 * 1000);
  }
  return -1;
}

static unsigned char inbuf[BERTH_MAX_FRAME + 9];
static size_t inlen = 0;

/* Reads what the channel has; returns -1 on EOF or error. */
static int chan_read(void) {
  if (inlen >= sizeof inbuf) return -1;
  ssize_t n = read(chan, inbuf + inlen, sizeof inbuf - inlen);
  if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
  if (n == 0) return 0; /* virtio-serial reads 0 while the host side is not connected */
  inlen += (size_t)n;
  return 0;
}

/* Takes one complete frame off the input buffer, if there is one. */
static int next_frame(uint8_t *type, uint32_t *id, unsigned char **payload, uint32_t *len) {
  if (inlen < 9) return 0;
  uint32_t l = get32(inbuf + 5);
  if (l > BERTH_MAX_FRAME) {
    say(G_LOG, 0, "frame of %u bytes is too large; dropping the input", l);
    inlen = 0;
    return 0;
  }
  if (inlen < 9 + l) return 0;
  *type = inbuf[0];
  *id = get32(inbuf + 1);
  *len = l;
  *payload = malloc(l + 1);
  if (!*payload) return 0;
  memcpy(*payload, inbuf + 9, l);
  (*payload)[l] = 0;
  memmove(inbuf, inbuf + 9 + l, inlen - 9 - l);
  inlen -= 9 + l;
  return 1;
}

/* Parses START/EXEC TLVs. Values point into `buf`, which the caller keeps alive. */
static int parse_spec(unsigned char *buf, uint32_t len, struct spec *s) {
  memset(s, 0, sizeof *s);
  uint32_t off = 0;
  while (off + 5 <= len) {
    uint8_t tag = buf[off];
    uint32_t l = get32(buf + off + 1);
    if (off + 5 + l > len) return -1;
    /* Shift the value one byte left over the length field so that it can be NUL-terminated in place. */
    char *v = (char *)buf + off + 4;
    memmove(v, buf + off + 5, l);
    v[l] = 0;
    switch (tag) {
      case T_ARG: if (s->nargs < MAX_ITEMS - 1) s->args[s->nargs++] = v; break;
      case T_ENV: if (s->nenvs < MAX_ITEMS - 2) s->envs[s->nenvs++] = v; break;
      case T_WORKDIR: s->workdir = v; break;
      case T_USER: s->user = v; break;
      case T_HOSTNAME: s->hostname = v; break;
      case T_TIME_MS: s->time_ms = v; break;
      case T_ROOT_RO: s->root_ro = v; break;
      case T_ROOT_RW: s->root_rw = v; break;
      case T_NET: if (s->nnets < 16) s->nets[s->nnets++] = v; break;
      case T_MOUNT: if (s->nmounts < 32) s->mounts[s->nmounts++] = v; break;
      case T_HOSTS: s->hosts = v; break;
      case T_RESOLV: s->resolv = v; break;
      case T_PATH: s->path = v; break;
      case T_CONTENT: s->content = v; break;
      case T_ENTROPY: s->entropy = v; break;
      case T_MAC: if (s->nmacs < 16) s->macs[s->nmacs++] = v; break;
      default: break; /* unknown tags are skipped: newer agents may send more */
    }
    off += 5 + l;
  }
  s->args[s->nargs] = NULL;
  return s->nargs > 0 || s->path ? 0 : -1;
}

/* ---------- the machine ---------- */

/* Every clone of a template resumes with the template's RNG state: mix in the host's fresh bytes
 * (credited) and force the CRNG to re-key now, so no process of the container ever sees the
 * template's random stream. Must run before anything else of the container does. */
static void reseed_rng(const char *hex) {
  if (!hex) return;
  static union {
    struct rand_pool_info info;
    unsigned char raw[sizeof(struct rand_pool_info) + 256];
  } e;
  unsigned char *buf = (unsigned char *)e.info.buf;
  size_t n = 0;
  unsigned int byte;
  while (n < 256 && sscanf(hex + 2 * n, "%2x", &byte) == 1 && hex[2 * n + 1]) buf[n++] = (unsigned char)byte;
  e.info.entropy_count = (int)(n * 8);
  e.info.buf_size = (int)n;
  int fd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
  /* Said either way: the agent (and its tests) can tell that a clone's RNG was re-keyed. */
  if (fd < 0 || n == 0 || ioctl(fd, RNDADDENTROPY, &e.info) != 0 || ioctl(fd, RNDRESEEDCRNG) != 0)
    say(G_LOG, 0, "reseeding the RNG with %zu host bytes: %s", n, strerror(errno));
  else
    say(G_LOG, 0, "RNG reseeded with %zu host bytes", n);
  if (fd >= 0) close(fd);
}

/* A clone's disks are its own, but its kernel is the template's: it believes each disk has the
 * template's placeholder capacity (larger than any real disk: a filesystem never reads past its own
 * end), and its block cache may hold what the template read of the empty placeholders (the partition
 * scan's first sector). Drop that cache before anything is mounted, so every read reaches the clone's
 * own files. (Unbinding and binding each device would re-read the capacity too, at ~100 ms a disk under
 * TCG: the main cost of a clone's start.) */
static void forget_template_disks(void) {
  DIR *d = opendir("/sys/block");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, "vd", 2) != 0) continue;
    char dev[300];
    snprintf(dev, sizeof dev, "/dev/%s", e->d_name);
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ioctl(fd, BLKFLSBUF, 0) != 0) say(G_LOG, 0, "could not drop the block cache of %s: %s", dev, strerror(errno));
    if (fd >= 0) close(fd);
  }
  closedir(d);
}

static void set_clock(const char *ms) {
  if (!ms) return;
  long long v = atoll(ms);
  struct timeval tv = {.tv_sec = v / 1000, .tv_usec = (v % 1000) * 1000};
  if (settimeofday(&tv, NULL) != 0) say(G_LOG, 0, "settimeofday: %s", strerror(errno));
}

static int prefix_to_mask(int prefix, struct in_addr *mask) {
  if (prefix < 0 || prefix > 32) return -1;
  mask->s_addr = prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
  return 0;
}

static int set_addr(int sock, const char *ifname, unsigned long req, struct in_addr a) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
  struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  sin->sin_addr = a;
  return ioctl(sock, req, &ifr);
}

static int link_up(int sock, const char *ifname) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return -1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int set_mtu(int sock, const char *ifname, int mtu) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
  ifr.ifr_mtu = mtu;
  return ioctl(sock, SIOCSIFMTU, &ifr);
}

/* "ifname aa:bb:cc:dd:ee:ff": a clone's NIC has its template's MAC until this sets the container's
 * (before the link is up; virtio-net passes it on to QEMU, whose receive filter then matches it). */
static void set_mac(const char *desc) {
  char ifname[IFNAMSIZ] = {0};
  unsigned int b[6];
  if (sscanf(desc, "%15s %x:%x:%x:%x:%x:%x", ifname, &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 7) {
    say(G_LOG, 0, "bad MAC spec: %s", desc);
    return;
  }
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  for (int i = 0; i < 6; i++) ifr.ifr_hwaddr.sa_data[i] = (char)b[i];
  if (ioctl(sock, SIOCSIFHWADDR, &ifr) != 0) say(G_LOG, 0, "MAC of %s: %s", ifname, strerror(errno));
  close(sock);
}

/* "ifname addr/prefix [gateway [mtu]]", gateway "-" for none */
static void configure_net(const char *desc) {
  char ifname[IFNAMSIZ] = {0}, cidr[64] = {0}, gw[64] = {0};
  int mtu = 0;
  if (sscanf(desc, "%15s %63s %63s %d", ifname, cidr, gw, &mtu) < 2) {
    say(G_LOG, 0, "bad network spec: %s", desc);
    return;
  }
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return;
  char *slash = strchr(cidr, '/');
  int prefix = slash ? atoi(slash + 1) : 32;
  if (slash) *slash = 0;
  if (strcmp(gw, "-") == 0) gw[0] = 0;
  if (mtu > 0 && set_mtu(sock, ifname, mtu) != 0) say(G_LOG, 0, "mtu %d on %s: %s", mtu, ifname, strerror(errno));
  struct in_addr addr, mask;
  if (inet_pton(AF_INET, cidr, &addr) != 1 || prefix_to_mask(prefix, &mask) != 0 ||
      set_addr(sock, ifname, SIOCSIFADDR, addr) != 0 || set_addr(sock, ifname, SIOCSIFNETMASK, mask) != 0 ||
      link_up(sock, ifname) != 0) {
    say(G_LOG, 0, "configure %s: %s", desc, strerror(errno));
  } else if (gw[0]) {
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst, *gwa = (struct sockaddr_in *)&rt.rt_gateway,
                       *msk = (struct sockaddr_in *)&rt.rt_genmask;
    dst->sin_family = gwa->sin_family = msk->sin_family = AF_INET;
    if (inet_pton(AF_INET, gw, &gwa->sin_addr) == 1) {
      rt.rt_flags = RTF_UP | RTF_GATEWAY;
      rt.rt_dev = ifname;
      if (ioctl(sock, SIOCADDRT, &rt) != 0) say(G_LOG, 0, "default route via %s: %s", gw, strerror(errno));
    }
  }
  close(sock);
}

static void write_file(const char *path, const char *content) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, content, strlen(content));
  close(fd);
}

/* berth's ext4 disks are made with lazy inode-table init (mkfs writes almost nothing of a sparse
 * file). Without noinit_itable the guest kernel would zero every inode table in the background after
 * each mount (160 MB for a 10 GiB layer), a core's work under TCG while the workload starts; the
 * tables are flagged uninitialised, so ext4 needs no zeroing to be correct. */
#define EXT4_OPTIONS "noinit_itable"

/* Assembles /newroot: image (read-only) + the container's writable layer, then the API filesystems. */
static int setup_root(struct spec *s) {
  if (!s->root_ro) {
    say(G_ERROR, 0, "START has no root filesystem");
    return -1;
  }
  char ro[300], rw[300];
  if (mount_or_log(resolve_device(s->root_ro, ro, sizeof ro), "/mnt/image", "erofs", MS_RDONLY, NULL) != 0) return -1;
  if (s->root_rw) {
    if (mount_or_log(resolve_device(s->root_rw, rw, sizeof rw), "/mnt/rw", "ext4", 0, EXT4_OPTIONS) != 0) return -1;
  } else if (mount_or_log("tmpfs", "/mnt/rw", "tmpfs", 0, "mode=0755") != 0) {
    return -1;
  }
  mkdir_p("/mnt/rw/upper", 0755);
  mkdir_p("/mnt/rw/work", 0755);
  if (mount_or_log("overlay", NEWROOT, "overlay", 0, "lowerdir=/mnt/image,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work") != 0)
    return -1;
  mount_or_log("/proc", NEWROOT "/proc", NULL, MS_BIND | MS_REC, NULL);
  mount_or_log("/sys", NEWROOT "/sys", NULL, MS_BIND | MS_REC, NULL);
  mount_or_log("/dev", NEWROOT "/dev", NULL, MS_BIND | MS_REC, NULL);
  mount_or_log("tmpfs", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  mount_or_log("tmpfs", NEWROOT "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  mkdir_p(NEWROOT "/tmp", 01777);
  chmod(NEWROOT "/tmp", 01777);
  mkdir_p(NEWROOT "/etc", 0755);
  if (s->hosts) write_file(NEWROOT "/etc/hosts", s->hosts);
  if (s->resolv) write_file(NEWROOT "/etc/resolv.conf", s->resolv);
  for (int i = 0; i < s->nmounts; i++) {
    const char *dev = s->mounts[i];
    const char *path = dev + strlen(dev) + 1;
    const char *fstype = path + strlen(path) + 1;
    char dst[4096], devpath[300];
    snprintf(dst, sizeof dst, NEWROOT "%s", path);
    /* A volume that is not there must stop the start: the workload would write into its own layer
     * instead, and the data would be gone with the container. */
    if (mount_or_log(resolve_device(dev, devpath, sizeof devpath), dst, fstype, 0,
                     strcmp(fstype, "ext4") == 0 ? EXT4_OPTIONS : NULL) != 0) {
      say(G_ERROR, 0, "could not mount the volume at %s", path);
      return -1;
    }
  }
  return 0;
}

/* ---------- processes ---------- */

/* Looks a user up in the container's own /etc/passwd (we are chrooted). fgetpwent reads the file
 * directly: getpwnam would need glibc's NSS modules, which a static init cannot load. */
static int find_passwd(const char *name, uid_t uid, int by_name, uid_t *out_uid, gid_t *out_gid) {
  FILE *f = fopen("/etc/passwd", "re");
  if (!f) return -1;
  struct passwd *pw;
  int found = -1;
  while ((pw = fgetpwent(f)) != NULL) {
    if (by_name ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid) {
      *out_uid = pw->pw_uid;
      *out_gid = pw->pw_gid;
      found = 0;
      break;
    }
  }
  fclose(f);
  return found;
}

static int find_group(const char *name, gid_t *out_gid) {
  FILE *f = fopen("/etc/group", "re");
  if (!f) return -1;
  struct group *gr;
  int found = -1;
  while ((gr = fgetgrent(f)) != NULL) {
    if (strcmp(gr->gr_name, name) == 0) {
      *out_gid = gr->gr_gid;
      found = 0;
      break;
    }
  }
  fclose(f);
  return found;
}

/* "uid[:gid]" or "name[:group]". A numeric uid need not exist in /etc/passwd (as in Docker). */
static int resolve_user(const char *user, uid_t *uid, gid_t *gid) {
  *uid = 0;
  *gid = 0;
  if (!user || !*user) return 0;
  char u[256], *g;
  snprintf(u, sizeof u, "%s", user);
  g = strchr(u, ':');
  if (g) *g++ = 0;
  char *end;
  long n = strtol(u, &end, 10);
  if (*u && !*end) {
    *uid = (uid_t)n;
    uid_t ignored;
    find_passwd(NULL, *uid, 0, &ignored, gid); /* primary group if listed, else 0 */
  } else if (find_passwd(u, 0, 1, uid, gid) != 0) {
    return -1;
  }
  if (g && *g) {
    n = strtol(g, &end, 10);
    if (!*end) *gid = (gid_t)n;
    else if (find_group(g, gid) != 0) return -1;
  }
  return 0;
}

static void child_fail(const char *what, const char *arg) {
  dprintf(2, "berth-init: %s %s: %s\n", what, arg, strerror(errno));
  _exit(errno == ENOENT ? 127 : 126);
}

static struct proc *spawn(uint32_t id, struct spec *s) {
  struct proc *p = NULL;
  for (int i = 0; i < MAX_PROCS; i++)
    if (!procs[i].used) { p = &procs[i]; break; }
  if (!p) {
    say(G_ERROR, id, "too many processes");
    send_exit(id, 126);
    return NULL;
  }
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    say(G_ERROR, id, "pipe: %s", strerror(errno));
    send_exit(id, 126);
    return NULL;
  }
  pid_t pid = fork();
  if (pid < 0) {
    say(G_ERROR, id, "fork: %s", strerror(errno));
    send_exit(id, 126);
    return NULL;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (chroot(NEWROOT) != 0) child_fail("chroot", NEWROOT);
    const char *wd = s->workdir && *s->workdir ? s->workdir : "/";
    if (chdir(wd) != 0) {
      mkdir_p(wd, 0755); /* as Docker does for a WORKDIR the image lacks */
      if (chdir(wd) != 0) child_fail("chdir", wd);
    }
    uid_t uid;
    gid_t gid;
    if (resolve_user(s->user, &uid, &gid) != 0) {
      errno = EINVAL;
      child_fail("unknown user", s->user);
    }
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) child_fail("set user", s->user ? s->user : "root");
    int has_path = 0;
    for (int i = 0; i < s->nenvs; i++)
      if (strncmp(s->envs[i], "PATH=", 5) == 0) has_path = 1;
    if (!has_path) s->envs[s->nenvs++] = DEFAULT_PATH;
    s->envs[s->nenvs] = NULL;
    environ = s->envs; /* execvp searches the workload's PATH, not ours */
    execvp(s->args[0], s->args);
    child_fail("exec", s->args[0]);
  }
  close(out[1]);
  close(err[1]);
  memset(p, 0, sizeof *p);
  p->used = 1;
  p->id = id;
  p->pid = pid;
  p->out_fd = out[0];
  p->err_fd = err[0];
  unsigned char pb[4];
  put32(pb, (uint32_t)pid);
  send_frame(G_STARTED, id, pb, 4, NULL, 0);
  return p;
}

static void forward_output(struct proc *p, int *fd, uint8_t stream) {
  static char buf[32768];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n > 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    unsigned char head[9];
    head[0] = stream;
    for (int i = 0; i < 8; i++) head[1 + i] = (at >> (8 * i)) & 0xff;
    send_frame(G_OUTPUT, p->id, head, sizeof head, buf, (size_t)n);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(*fd);
    *fd = -1;
  }
}

/* A process is finished once it is reaped and its output has drained (or the drain time is up). */
static void finish_if_done(struct proc *p) {
  if (!p->used || !p->reaped) return;
  int drained = p->out_fd < 0 && p->err_fd < 0;
  if (!drained && now_ms() - p->reaped_at_ms < DRAIN_MS) return;
  if (p->out_fd >= 0) close(p->out_fd);
  if (p->err_fd >= 0) close(p->err_fd);
  /* The workload's writes reach its disks before its exit is told: the agent may end QEMU soon after
   * (its grace for a guest that does not power off is short), and an exited container's writable layer
   * and volumes must hold everything it wrote (a restart, a commit, a snapshot read them). */
  if (p->id == 0) sync();
  send_exit(p->id, p->code);
  if (p->id == 0) workload_done = 1;
  p->used = 0;
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_PROCS; i++) {
      struct proc *p = &procs[i];
      if (p->used && p->pid == pid && !p->reaped) {
        p->reaped = 1;
        p->reaped_at_ms = now_ms();
        p->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    /* Anything else is an orphan re-parented to PID 1: reaping it is all there is to do. */
  }
}

static void handle_frame(uint8_t type, uint32_t id, unsigned char *payload, uint32_t len) {
  switch (type) {
    case H_EXEC: {
      static struct spec exec_spec;
      if (parse_spec(payload, len, &exec_spec) != 0) {
        say(G_ERROR, id, "EXEC without a command");
        send_exit(id, 126);
        free(payload);
        return;
      }
      spawn(id, &exec_spec);
      break; /* the child has its own copy of payload after fork */
    }
    case H_SIGNAL:
      if (len >= 4) {
        for (int i = 0; i < MAX_PROCS; i++)
          if (procs[i].used && procs[i].id == id && !procs[i].reaped) kill(-procs[i].pid, (int)get32(payload));
      }
      break;
    case H_POWEROFF:
      power_off();
      break;
    case H_WRITE_FILE: {
      struct spec f;
      if (parse_spec(payload, len, &f) == 0 && f.path && f.path[0] == '/' && !strstr(f.path, "..")) {
        char dst[4096], tmp[4200];
        snprintf(dst, sizeof dst, NEWROOT "%s", f.path);
        snprintf(tmp, sizeof tmp, "%s.berth-tmp", dst);
        write_file(tmp, f.content ? f.content : "");
        if (rename(tmp, dst) != 0) say(G_LOG, 0, "write %s: %s", f.path, strerror(errno));
      } else {
        say(G_LOG, 0, "WRITE_FILE needs an absolute path without ..");
      }
      break;
    }
    default:
      break;
  }
  free(payload);
}

int main(void) {
  mount_or_log("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_or_log("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_or_log("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  mount_or_log("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");

  /* `berth.probe` on the kernel command line: the agent's accelerator probe only wants to know that
   * a guest boots to init. Say so on the console and power off. */
  {
    char cmdline[4096] = {0};
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
      (void)n;
      close(fd);
    }
    if (strstr(cmdline, "berth.probe")) {
      fprintf(stderr, "berth-init: probe ok\n");
      power_off();
    }
    template_mode = strstr(cmdline, "berth.template") != NULL;
  }

  chan = open_channel();
  if (chan < 0) {
    fprintf(stderr, "berth-init: no agent channel (virtio port berth.0)\n");
    power_off();
  }

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);

  /* The template point: the agent snapshots the machine once it reads this on the console. The first
   * READY below blocks until a host connects, which only happens in a clone. */
  if (template_mode) fprintf(stderr, "berth-init: template point\n");

  /* Announce until START arrives: the host may connect after our first READY. */
  char version[8];
  snprintf(version, sizeof version, "%d", BERTH_PROTOCOL_VERSION);
  static struct spec start;
  unsigned char *start_buf = NULL;
  for (long long next_ready = 0; !start_buf;) {
    if (now_ms() >= next_ready) {
      send_frame(G_READY, 0, version, strlen(version), NULL, 0);
      next_ready = now_ms() + 250;
    }
    struct pollfd pf = {.fd = chan, .events = POLLIN};
    int pr = poll(&pf, 1, 50);
    if (pr > 0 && (pf.revents & POLLIN)) chan_read();
    else if (pr > 0) usleep(50 * 1000); /* POLLHUP: the host is not connected yet; do not spin */
    uint8_t type;
    uint32_t id, len;
    unsigned char *payload;
    while (!start_buf && next_frame(&type, &id, &payload, &len)) {
      if (type == H_START) start_buf = payload, start.nargs = (int)len;
      else if (type == H_POWEROFF) power_off();
      else free(payload);
    }
  }
  uint32_t start_len = (uint32_t)start.nargs;
  if (parse_spec(start_buf, start_len, &start) != 0) {
    say(G_ERROR, 0, "START without a command");
    send_exit(0, 125);
    power_off();
  }
  /* Where a start's time goes inside the guest (the bench prints it): ms per step, monotonic. */
  long long t_start = now_ms();
  reseed_rng(start.entropy);
  set_clock(start.time_ms);
  long long t_seeded = now_ms();
  if (template_mode) forget_template_disks();
  long long t_disks = now_ms();
  if (start.hostname) sethostname(start.hostname, strlen(start.hostname));
  {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock >= 0) {
      link_up(sock, "lo");
      close(sock);
    }
  }
  for (int i = 0; i < start.nmacs; i++) set_mac(start.macs[i]);
  for (int i = 0; i < start.nnets; i++) configure_net(start.nets[i]);
  long long t_net = now_ms();
  if (setup_root(&start) != 0) {
    send_exit(0, 125);
    power_off();
  }
  long long t_root = now_ms();
  spawn(0, &start);
  say(G_LOG, 0, "start-timeline {\"seed\":%lld,\"disks\":%lld,\"net\":%lld,\"root\":%lld,\"spawn\":%lld}",
      t_seeded - t_start, t_disks - t_seeded, t_net - t_disks, t_root - t_net, now_ms() - t_root);

  long long exit_sent_at = 0;
  for (;;) {
    struct pollfd pfds[2 + 2 * MAX_PROCS];
    struct { struct proc *p; int *fd; uint8_t stream; } map[2 * MAX_PROCS];
    int n = 0, m = 0;
    pfds[n++] = (struct pollfd){.fd = chan, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    for (int i = 0; i < MAX_PROCS; i++) {
      struct proc *p = &procs[i];
      if (!p->used) continue;
      if (p->out_fd >= 0) { pfds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN}; map[m++] = (typeof(map[0])){p, &p->out_fd, 1}; }
      if (p->err_fd >= 0) { pfds[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN}; map[m++] = (typeof(map[0])){p, &p->err_fd, 2}; }
    }
    int r = poll(pfds, (nfds_t)n, 50);
    if (r > 0) {
      if (pfds[0].revents & POLLIN) chan_read();
      else if (pfds[0].revents & POLLHUP) usleep(20 * 1000); /* host gone (agent restarting): do not spin */
      if (pfds[1].revents & POLLIN) {
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == sizeof si) {}
      }
      for (int i = 2; i < n; i++)
        if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) forward_output(map[i - 2].p, map[i - 2].fd, map[i - 2].stream);
    }
    reap();
    uint8_t type;
    uint32_t id, len;
    unsigned char *payload;
    while (next_frame(&type, &id, &payload, &len)) handle_frame(type, id, payload, len);
    for (int i = 0; i < MAX_PROCS; i++) finish_if_done(&procs[i]);
    if (workload_done && !exit_sent_at) exit_sent_at = now_ms();
    /* The host answers EXIT with POWEROFF once it has read everything; do not wait for ever. */
    if (exit_sent_at && now_ms() - exit_sent_at > 3000) power_off();
  }
}
