#include "cli.h"

int main(int argc, char** argv) { return isogroup::cli::run(argc, argv); }
