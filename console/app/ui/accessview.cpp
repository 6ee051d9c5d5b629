// SPDX-License-Identifier: MIT
#include "accessview.h"

#include "icons.h"
#include "taborder.h"

#include "model/accessrulesmodel.h"
#include "model/adminsession.h"
#include "model/jsonfields.h"

#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace Switchboard::Console {

namespace {
enum ExpiryKind { Never, After, Until };
constexpr qint64 MINUTE_MS = 60 * 1000;
constexpr qint64 UNIT_MS[] = {MINUTE_MS, 60 * MINUTE_MS, 24 * 60 * MINUTE_MS};
// The longest "after" the spin box offers (in any unit); "until" takes any date.
constexpr int MAX_DURATION = 9999;
} // namespace

AccessView::AccessView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_rules(new AccessRules(session, this))
    , m_explanation(new QLabel(this))
    , m_content(new QWidget(this))
    , m_table(new QTableView(m_content))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_summary(new QLabel(m_content))
    , m_refresh(new QPushButton(Icons::icon("view-refresh"), QString(), m_content))
    , m_delete(new QPushButton(Icons::icon("list-remove"), QString(), m_content))
    , m_formBox(new QGroupBox(m_content))
    , m_form(new QFormLayout)
    , m_action(new QComboBox(m_formBox))
    , m_cidr(new QLineEdit(m_formBox))
    , m_note(new QLineEdit(m_formBox))
    , m_expiryRow(new QWidget(m_formBox))
    , m_expiryKind(new QComboBox(m_expiryRow))
    , m_duration(new QSpinBox(m_expiryRow))
    , m_unit(new QComboBox(m_expiryRow))
    , m_until(new QDateTimeEdit(m_expiryRow))
    , m_previewLabel(new QLabel(m_formBox))
    , m_warning(new QLabel(m_formBox))
    , m_save(new QPushButton(Icons::icon("document-save"), QString(), m_formBox))
    , m_status(new QLabel(m_content))
{
    setObjectName(QStringLiteral("AccessView"));
    m_cidr->setObjectName(QStringLiteral("cidr"));
    m_note->setObjectName(QStringLiteral("note"));
    m_action->setObjectName(QStringLiteral("action"));
    m_expiryKind->setObjectName(QStringLiteral("expiryKind"));

    m_proxy->setSourceModel(m_rules->model());
    m_proxy->setSortRole(AccessRulesModel::SortRole);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(AccessRulesModel::CreatedAt, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(AccessRulesModel::Note, QHeaderView::Stretch);

    for (const char *a : {"deny", "allow"})
        m_action->addItem(QString(), QString::fromLatin1(a));
    for (int i = Never; i <= Until; ++i)
        m_expiryKind->addItem(QString(), i);
    for (int i = 0; i < 3; ++i)
        m_unit->addItem(QString(), i);
    m_unit->setCurrentIndex(1); // hours
    m_duration->setRange(1, MAX_DURATION);
    m_duration->setValue(1);
    m_until->setCalendarPopup(true);
    m_until->setDateTime(QDateTime::currentDateTime().addDays(1));
    auto *expiryLayout = new QHBoxLayout(m_expiryRow);
    expiryLayout->setContentsMargins(0, 0, 0, 0);
    expiryLayout->addWidget(m_expiryKind);
    expiryLayout->addWidget(m_duration);
    expiryLayout->addWidget(m_unit);
    expiryLayout->addWidget(m_until);
    expiryLayout->addStretch();

    m_form->addRow(QStringLiteral("-"), m_action);
    m_form->addRow(QStringLiteral("-"), m_cidr);
    m_form->addRow(QStringLiteral("-"), m_note);
    m_form->addRow(QStringLiteral("-"), m_expiryRow);
    m_previewLabel->setWordWrap(true);
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold;"));
    m_warning->hide();
    auto *saveRow = new QHBoxLayout;
    saveRow->addWidget(m_previewLabel, 1);
    saveRow->addWidget(m_save);
    auto *formLayout = new QVBoxLayout(m_formBox);
    formLayout->addLayout(m_form);
    formLayout->addLayout(saveRow);
    formLayout->addWidget(m_warning);

    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_explanation->setWordWrap(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_delete);
    buttons->addStretch();
    buttons->addWidget(m_summary);
    auto *contentLayout = new QVBoxLayout(m_content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addWidget(m_table, 1);
    contentLayout->addLayout(buttons);
    contentLayout->addWidget(m_formBox);
    contentLayout->addWidget(m_status);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_explanation);
    layout->addWidget(m_content, 1);
    setTabOrderChain({m_table, m_refresh, m_delete, m_action, m_cidr, m_note, m_expiryKind,
                      m_duration, m_unit, m_until, m_save});

    m_previewDelay.setSingleShot(true);
    m_previewDelay.setInterval(PREVIEW_DELAY_MS);
    connect(&m_previewDelay, &QTimer::timeout, this, &AccessView::askPreview);
    connect(m_cidr, &QLineEdit::textChanged, this, &AccessView::draftChanged);
    connect(m_cidr, &QLineEdit::returnPressed, this, &AccessView::save);
    connect(m_note, &QLineEdit::returnPressed, this, &AccessView::save);
    connect(m_action, &QComboBox::currentIndexChanged, this, &AccessView::draftChanged);
    connect(m_expiryKind, &QComboBox::currentIndexChanged, this, [this]() {
        updateFields();
        draftChanged();
    });
    connect(m_duration, &QSpinBox::valueChanged, this, &AccessView::draftChanged);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &AccessView::draftChanged);
    connect(m_until, &QDateTimeEdit::dateTimeChanged, this, &AccessView::draftChanged);
    connect(m_save, &QPushButton::clicked, this, &AccessView::save);
    connect(m_delete, &QPushButton::clicked, this, &AccessView::deleteSelected);
    connect(m_refresh, &QPushButton::clicked, this, &AccessView::refresh);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AccessView::updateButtons);

    AccessRulesModel *model = m_rules->model();
    const auto rowsMoved = [this]() {
        retranslateUi();
        updateButtons();
    };
    connect(model, &QAbstractItemModel::rowsInserted, this, rowsMoved);
    connect(model, &QAbstractItemModel::rowsRemoved, this, rowsMoved);
    connect(model, &QAbstractItemModel::modelReset, this, rowsMoved);
    connect(m_rules, &AccessRules::forbiddenChanged, this, &AccessView::updateUsable);
    connect(m_rules, &AccessRules::unsupportedChanged, this, &AccessView::updateUsable);
    connect(m_session, &AdminSession::stateChanged, this, [this]() {
        updateUsable();
        if (m_session->state() == AdminSession::State::Connected)
            draftChanged(); // a preview for what was typed before
    });
    connect(m_rules, &AccessRules::previewed, this, [this](const AccessCut &cut) {
        m_counting = false;
        m_preview = cut;
        m_previewError.reset();
        showPreview();
        Q_EMIT previewUpdated(cut);
    });
    connect(m_rules, &AccessRules::previewFailed, this, [this](const AccessError &error) {
        m_counting = false;
        m_preview = {};
        m_previewError = error;
        showPreview();
    });
    connect(m_rules, &AccessRules::saved, this, &AccessView::onSaved);
    connect(m_rules, &AccessRules::refreshed, this, [this]() {
        if (m_selectAfterRefresh > 0 && selectRule(m_selectAfterRefresh))
            m_selectAfterRefresh = 0;
    });
    connect(m_rules, &AccessRules::saveNeedsForce, this, [this](const AccessRuleDraft &d) {
        if (confirmCutsCaller(QString()))
            m_rules->save(d, true);
        else
            setStatus([]() { return tr("The rule was not saved."); }, false);
    });
    connect(m_rules, &AccessRules::saveFailed, this, [this](const AccessError &error) {
        setStatus([error]() { return tr("The rule was not saved: %1").arg(error.text()); }, true);
    });
    connect(m_rules, &AccessRules::removed, this, [this](qint64 id) {
        setStatus([id]() { return tr("Rule #%1 removed.").arg(id); }, false);
    });
    connect(m_rules, &AccessRules::removeNeedsForce, this, [this](qint64 id) {
        const QString text
            = tr("Without rule #%1 the address this console connects from is refused: removing "
                 "it closes this console's connection, and it cannot connect again from here "
                 "until another rule lets it in.")
                  .arg(id)
            + QStringLiteral("\n\n") + tr("Remove the rule anyway?");
        if (QMessageBox::warning(this, tr("Refuse your own address?"), text,
                                 QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes)
            m_rules->remove(id, true);
        else
            setStatus([id]() { return tr("Rule #%1 was not removed.").arg(id); }, false);
    });
    connect(m_rules, &AccessRules::removeFailed, this, [this](qint64 id, const AccessError &error) {
        setStatus(
            [id, error]() { return tr("Rule #%1 was not removed: %2").arg(id).arg(error.text()); },
            true);
    });
    connect(m_rules, &AccessRules::refreshFailed, this, [this](const AccessError &error) {
        setStatus([error]() { return tr("The rules could not be loaded: %1").arg(error.text()); },
                  true);
    });
    retranslateUi();
    updateFields();
    updateUsable();
    updateButtons();
}

void AccessView::retranslateUi()
{
    m_refresh->setText(tr("Re&fresh"));
    m_delete->setText(tr("Re&move rule…"));
    m_summary->setText(tr("%n rule(s)", nullptr, m_rules->model()->rowCount()));
    m_formBox->setTitle(tr("New rule"));
    const QList<QPair<QWidget *, QString>> captions {{m_action, tr("Act&ion:")},
                                                     {m_cidr, tr("Addresses (&CIDR):")},
                                                     {m_note, tr("N&ote:")},
                                                     {m_expiryRow, tr("E&xpires:")}};
    for (const auto &[field, text] : captions) {
        if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(field))) {
            label->setText(text);
            label->setBuddy(field == m_expiryRow ? m_expiryKind : field);
        }
    }
    m_action->setItemText(0, AccessRulesModel::actionText(QStringLiteral("deny")));
    m_action->setItemText(1, AccessRulesModel::actionText(QStringLiteral("allow")));
    m_action->setToolTip(tr("The most specific rule that matches an address decides: an allow "
                            "rule makes an exception inside a denied network."));
    m_cidr->setPlaceholderText(tr("an address or a CIDR block, e.g. 203.0.113.0/24"));
    m_note->setPlaceholderText(tr("optional: why, for the next operator"));
    m_expiryKind->setItemText(Never, tr("never"));
    m_expiryKind->setItemText(After, tr("after"));
    m_expiryKind->setItemText(Until, tr("at"));
    m_unit->setItemText(0, tr("minutes"));
    m_unit->setItemText(1, tr("hours"));
    m_unit->setItemText(2, tr("days"));
    m_save->setText(tr("Sav&e rule"));
    m_save->setToolTip(tr("Save the rule; live connections it refuses are closed"));
    m_explanation->setText(explanationText());
    showPreview();
    if (m_statusText)
        m_status->setText(m_statusText());
}

void AccessView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_rules->model()->retranslate();
    }
    QWidget::changeEvent(event);
}

bool AccessView::isUsable() const
{
    return m_session->state() == AdminSession::State::Connected && !m_rules->forbidden()
        && !m_rules->unsupported();
}

QString AccessView::explanationText() const
{
    if (m_rules->forbidden())
        return tr("Access rules are managed by administrators only: %1 does not have the admin "
                  "role. Connect with an administrator account to see and change them.")
            .arg(m_session->profile().username);
    if (m_rules->unsupported())
        return tr("This server does not offer access rules (it is older than this console).");
    if (m_session->state() != AdminSession::State::Connected)
        return tr("Connect to a server to see and change its access rules.");
    return {};
}

void AccessView::updateUsable()
{
    const bool usable = isUsable();
    m_content->setEnabled(usable);
    m_explanation->setText(explanationText());
    m_explanation->setVisible(!usable);
}

void AccessView::updateFields()
{
    const int kind = m_expiryKind->currentIndex();
    m_duration->setVisible(kind == After);
    m_unit->setVisible(kind == After);
    m_until->setVisible(kind == Until);
}

void AccessView::updateButtons()
{
    m_delete->setEnabled(selectedRuleId() > 0);
}

AccessRuleDraft AccessView::draft() const
{
    AccessRuleDraft d;
    d.action = m_action->currentData().toString();
    d.cidr = m_cidr->text().trimmed();
    d.note = m_note->text().trimmed();
    switch (m_expiryKind->currentIndex()) {
    case After:
        d.expiresAtMs = QDateTime::currentMSecsSinceEpoch()
            + m_duration->value() * UNIT_MS[qBound(0, m_unit->currentIndex(), 2)];
        break;
    case Until:
        d.expiresAtMs = m_until->dateTime().toMSecsSinceEpoch();
        break;
    default:
        break;
    }
    return d;
}

void AccessView::setDraft(const AccessRuleDraft &d)
{
    m_action->setCurrentIndex(qMax(0, m_action->findData(d.action)));
    m_note->setText(d.note);
    if (d.expiresAtMs > 0) {
        m_until->setDateTime(QDateTime::fromMSecsSinceEpoch(d.expiresAtMs));
        m_expiryKind->setCurrentIndex(Until);
    } else {
        m_expiryKind->setCurrentIndex(Never);
    }
    m_cidr->setText(d.cidr);
    draftChanged();
}

void AccessView::draftChanged()
{
    // Every change makes the count on screen stale; the server is asked once the operator
    // pauses, not per key.
    m_preview = {};
    m_previewError.reset();
    m_counting = AccessRules::isValidCidr(m_cidr->text()) && isUsable();
    showPreview();
    if (m_counting)
        m_previewDelay.start();
    else
        m_previewDelay.stop();
}

void AccessView::askPreview()
{
    if (!AccessRules::isValidCidr(m_cidr->text()) || !isUsable())
        return;
    m_rules->preview(draft());
}

QString AccessView::cutText(const AccessCut &cut)
{
    if (cut.connections <= 0)
        return tr("Would cut no live connection.");
    return tr("Would cut %1 of %2 (%3).")
        .arg(tr("%n connection(s)", nullptr, cut.connections),
             tr("%n user(s)", nullptr, qMax(0, cut.users)),
             tr("%n address(es)", nullptr, qMax(0, cut.addresses)));
}

QString AccessView::previewText() const
{
    if (m_previewError.has_value())
        return tr("Cannot count what the rule would cut: %1").arg(m_previewError->text());
    if (m_preview.known())
        return cutText(m_preview);
    if (m_counting)
        return tr("Counting the live connections this rule would cut…");
    return tr("Type an address or a CIDR block to see what the rule would cut.");
}

QString AccessView::warningText() const
{
    if (!m_preview.cutsCaller)
        return {};
    return tr("Warning: this rule refuses your own address. Saving it disconnects this console, "
              "and it cannot connect again from here until the rule is removed or expires.");
}

void AccessView::showPreview()
{
    m_previewLabel->setText(previewText());
    const QString warning = warningText();
    m_warning->setText(warning);
    m_warning->setVisible(!warning.isEmpty());
}

QString AccessView::statusText() const
{
    return m_status->text();
}

void AccessView::setStatus(std::function<QString()> text, bool error)
{
    m_statusText = std::move(text);
    m_statusIsError = error;
    const QString worded = m_statusText();
    m_status->setText(worded);
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
    Q_EMIT statusChanged(worded, error);
}

bool AccessView::confirmCutsCaller(const QString &detail)
{
    QString text = tr("This rule refuses the address this console connects from. Saving it "
                      "closes this console's connection, and it cannot connect again from "
                      "here until the rule is removed or expires.");
    if (!detail.isEmpty())
        text += QStringLiteral("\n\n") + detail;
    text += QStringLiteral("\n\n") + tr("Save the rule anyway?");
    return QMessageBox::warning(this, tr("Refuse your own address?"), text,
                                QMessageBox::Save | QMessageBox::Cancel, QMessageBox::Cancel)
        == QMessageBox::Save;
}

void AccessView::save()
{
    if (!isUsable())
        return;
    const AccessRuleDraft d = draft();
    if (d.cidr.isEmpty()) {
        m_cidr->setFocus();
        setStatus([]() { return tr("Type the addresses the rule is for."); }, true);
        return;
    }
    // The preview said so: ask first, and send force. Without a preview (or when the server
    // finds it first) the server answers 409 and AccessRules asks through saveNeedsForce.
    bool force = false;
    if (m_preview.cutsCaller) {
        if (!confirmCutsCaller(cutText(m_preview))) {
            setStatus([]() { return tr("The rule was not saved."); }, false);
            return;
        }
        force = true;
    }
    setStatus([]() { return tr("Saving the rule…"); }, false);
    m_rules->save(d, force);
}

void AccessView::onSaved(const QJsonObject &rule, const AccessCut &cut)
{
    const QString action = Json::str(rule, "action");
    const QString cidr = Json::str(rule, "cidr");
    const qint64 id = Json::id(rule, "id");
    setStatus(
        [action, cidr, id, cut]() {
            const QString what = tr("Rule #%1 saved: %2 %3.")
                                     .arg(id)
                                     .arg(AccessRulesModel::actionText(action), cidr);
            if (cut.connections <= 0)
                return what + QLatin1Char(' ') + tr("No live connection was cut.");
            return what + QLatin1Char(' ')
                + tr("Cut %1 of %2 (%3).")
                      .arg(tr("%n connection(s)", nullptr, cut.connections),
                           tr("%n user(s)", nullptr, qMax(0, cut.users)),
                           tr("%n address(es)", nullptr, qMax(0, cut.addresses)));
        },
        false);
    m_cidr->clear();
    m_note->clear();
    // The new rule arrives with the refresh that follows a save; selected then.
    if (!selectRule(id))
        m_selectAfterRefresh = id;
}

bool AccessView::selectRule(qint64 id)
{
    const int row = m_rules->model()->rowOfRule(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_rules->model()->index(row, 0));
    m_table->selectionModel()->select(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->setCurrentIndex(index);
    return true;
}

qint64 AccessView::selectedRuleId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.first().data(AccessRulesModel::RuleIdRole).toLongLong();
}

void AccessView::deleteSelected()
{
    const qint64 id = selectedRuleId();
    if (id <= 0 || !isUsable())
        return;
    const QJsonObject rule = m_rules->model()->rule(id);
    const auto answer = QMessageBox::question(
        this, tr("Remove rule"),
        tr("Remove rule #%1 (%2 %3)? It stops applying to new connections at once.")
            .arg(id)
            .arg(AccessRulesModel::actionText(Json::str(rule, "action")), Json::str(rule, "cidr")));
    if (answer == QMessageBox::Yes)
        m_rules->remove(id);
}

void AccessView::refresh()
{
    m_rules->refresh();
}

} // namespace Switchboard::Console
