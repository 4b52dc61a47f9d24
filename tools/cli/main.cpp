// inkstone: the native command line.
//   inkstone generate -m MODEL.gguf -p TEXT [options]   stream a generation (cmd-generate.cpp)
//   inkstone inspect MODEL.gguf [--json]               describe a GGUF file (cmd-inspect.cpp)
//   inkstone bench -m MODEL.gguf [options]             decode benchmarks (cmd-bench.cpp)
#include <cstdio>
#include <cstring>

int cmd_generate(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_bench(int argc, char** argv);

namespace {

void usage(FILE* out) {
  std::fputs(
      "usage: inkstone <command> [args]\n"
      "  generate -m MODEL.gguf -p TEXT [options]   generate text (inkstone generate --help)\n"
      "  inspect MODEL.gguf [--json] [--ctx N]     describe a GGUF model file\n"
      "  bench -m MODEL.gguf [options]             benchmarks (inkstone bench --help)\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char* cmd = argv[1];
  // Each command sees argv shifted so that argv[0] is the command name.
  if (std::strcmp(cmd, "generate") == 0) return cmd_generate(argc - 1, argv + 1);
  if (std::strcmp(cmd, "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
  if (std::strcmp(cmd, "bench") == 0) return cmd_bench(argc - 1, argv + 1);
  if (std::strcmp(cmd, "-h") == 0 || std::strcmp(cmd, "--help") == 0 ||
      std::strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "inkstone: unknown command '%s'\n", cmd);
  usage(stderr);
  return 2;
}
