// SPDX-License-Identifier: MIT
#pragma once

#include <initializer_list>

#include <QWidget>

namespace Switchboard::Console {

// QWidget::setTabOrder for a whole chain (the initializer_list overload arrived in Qt 6.6).
inline void setTabOrderChain(std::initializer_list<QWidget *> widgets)
{
    QWidget *previous = nullptr;
    for (QWidget *w : widgets) {
        if (previous)
            QWidget::setTabOrder(previous, w);
        previous = w;
    }
}

} // namespace Switchboard::Console
