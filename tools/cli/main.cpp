// inkstone: the native command line.
//   inkstone generate -m MODEL.gguf -p TEXT [options]   stream a generation (cmd-generate.cpp)
//   inkstone poem -m MODEL.gguf [options]              write poems as the site does (cmd-poem.cpp)
//   inkstone analyse [TEXT] [options]                  tones, rhymes, faults (cmd-analyse.cpp)
//   inkstone inspect MODEL.gguf [--json]               describe a GGUF file (cmd-inspect.cpp)
//   inkstone bench -m MODEL.gguf [options]             decode benchmarks (cmd-bench.cpp)
//   inkstone train TEXT -o OUT.gguf [options]          train a small model (cmd-train.cpp)
// Exit codes: docs/status-codes.md, "CLI exit codes" (cli-common.h).
#include <cstdio>
#include <cstring>

#include "cli-common.h"

int cmd_generate(int argc, char** argv);
int cmd_poem(int argc, char** argv);
int cmd_analyse(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_train(int argc, char** argv);

namespace {

void usage(FILE* out) {
  std::fputs(
      "usage: inkstone <command> [args]      (inkstone <command> --help for its options)\n"
      "  generate -m MODEL.gguf -p TEXT [options]  generate text; --json streams token events\n"
      "  poem -m MODEL.gguf [options]              write poems as the site does: --form (絕句,\n"
      "                                            律詩, 詞牌), --heads, --title, --drafts, -n,\n"
      "                                            --json; each poem analysed\n"
      "  analyse [TEXT] [options]                  tones, rhymes and faults of a poem (TEXT or\n"
      "                                            stdin); --json\n"
      "  inspect MODEL.gguf [--json] [--ctx N]     describe a GGUF model file\n"
      "  bench -m MODEL.gguf [options]             benchmarks\n"
      "  train TEXT -o OUT.gguf [options]          train a small model on a text file (f32)\n"
      "Exit codes (docs/status-codes.md): 0 ok, 1 other failure, 2 bad command, option or value,\n"
      "3 a file cannot be read, 4 invalid model, 5 unsupported model, 6 out of memory,\n"
      "7 context full.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return inkstone::cli::kExitUsage;
  }
  const char* cmd = argv[1];
  // Each command sees argv shifted so that argv[0] is the command name.
  if (std::strcmp(cmd, "generate") == 0) return cmd_generate(argc - 1, argv + 1);
  if (std::strcmp(cmd, "poem") == 0) return cmd_poem(argc - 1, argv + 1);
  if (std::strcmp(cmd, "analyse") == 0 || std::strcmp(cmd, "analyze") == 0) {
    return cmd_analyse(argc - 1, argv + 1);
  }
  if (std::strcmp(cmd, "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
  if (std::strcmp(cmd, "bench") == 0) return cmd_bench(argc - 1, argv + 1);
  if (std::strcmp(cmd, "train") == 0) return cmd_train(argc - 1, argv + 1);
  if (std::strcmp(cmd, "-h") == 0 || std::strcmp(cmd, "--help") == 0 ||
      std::strcmp(cmd, "help") == 0) {
    usage(stdout);
    return inkstone::cli::kExitOk;
  }
  std::fprintf(stderr, "inkstone: unknown command '%s'\n", cmd);
  usage(stderr);
  return inkstone::cli::kExitUsage;
}
