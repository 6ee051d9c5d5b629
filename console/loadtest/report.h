// SPDX-License-Identifier: MIT
#pragma once

#include "loadtester.h"

#include <QByteArray>

namespace Switchboard::LoadTest {

// The two faces of a result: the JSON object with exactly the keys of issue #5 (one compact
// line), and a human summary with the details behind it (failures, strays, sender lag).
namespace Report {

QByteArray json(const TestResult &r);
std::string summary(const TestResult &r);

} // namespace Report

} // namespace Switchboard::LoadTest
