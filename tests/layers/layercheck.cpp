// SPDX-License-Identifier: MIT
// Linked with one server layer's whole archive and nothing above it (tests/layers): building
// it proves the layer needs nothing from the layers above. It is never run.
int main()
{
    return 0;
}
