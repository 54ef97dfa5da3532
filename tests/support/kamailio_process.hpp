// Runs Kamailio (Debian package kamailio) in the foreground with a
// configuration written into a directory of its own, until stopped: the real
// SIP server some tests talk to (HEP collector, SIP proxy). Header-only.
#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

extern char** environ;

namespace sigprobe::testing {

inline constexpr const char* kKamailioModules = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

class KamailioProcess {
 public:
  // Writes cfg to dir/kamailio.cfg, starts kamailio (log in dir/kamailio.log)
  // and waits until its TCP listener on 127.0.0.1:tcp_port accepts.
  bool start(const std::filesystem::path& dir, const std::string& cfg, uint16_t tcp_port) {
    dir_ = dir;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "kamailio.cfg") << cfg;
    std::string cfg_path = (dir / "kamailio.cfg").string(), log = (dir / "kamailio.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const char* argv[] = {"kamailio", "-f", cfg_path.c_str(), "-DD", "-E", "-w", dir.c_str(), nullptr};
    int rc = posix_spawnp(&pid_, "kamailio", &fa, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    for (int i = 0; i < 100; ++i) {
      int fd = connect_tcp(tcp_port);
      if (fd >= 0) {
        close(fd);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  ~KamailioProcess() { stop(); }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  std::string log() const {
    std::ifstream in(dir_ / "kamailio.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // A TCP connection to 127.0.0.1:port, or -1.
  static int connect_tcp(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace sigprobe::testing
