// Placeholder written by core A so the CLI links; core B replaces this file.
#include <cstdio>

int cmd_bench(int, char**) {
  std::fputs("inkstone bench: not implemented yet\n", stderr);
  return 1;
}
