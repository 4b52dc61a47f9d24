// Placeholder written by core A so the CLI links; core B replaces this file.
#include <cstdio>

int cmd_generate(int, char**) {
  std::fputs("inkstone generate: not implemented yet\n", stderr);
  return 1;
}
