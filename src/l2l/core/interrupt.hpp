#pragma once
// Cooperative shutdown on SIGINT/SIGTERM. The first signal asks the driver to finish the current
// generation, checkpoint and stop; a second one ends the process at once (the store stays
// consistent: it holds every generation committed so far, as after a crash).
namespace l2l {

void install_interrupt_handlers();
bool interrupt_requested();
void request_interrupt();  // for tests and embedding code
void clear_interrupt();

}  // namespace l2l
