// SPDX-License-Identifier: MIT
// Remembered secrets in a real system keyring (a gnome-keyring-daemon of the test's own, under
// dbus-run-session: keyring.sh): the settings file never holds them, a fresh store reads them
// back, unticking and removing a profile take them out of the keyring. Skipped without a
// keyring.
#include "model/profilestore.h"
#include "model/secretstore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Switchboard::Console;

class TestConsoleKeyring : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void secretsLiveInTheKeyring();

private:
    // A service of the test's own: nothing the console itself keeps is touched.
    const SecretStore m_keyring {QStringLiteral("switchboard-console-test")};
};

void TestConsoleKeyring::initTestCase()
{
    if (m_keyring.write(QStringLiteral("probe"), QStringLiteral("x")) != SecretStore::Status::Ok)
        QSKIP("no system keyring (run through tests/console/keyring.sh)");
    QCOMPARE(m_keyring.remove(QStringLiteral("probe")), SecretStore::Status::Ok);
}

void TestConsoleKeyring::secretsLiveInTheKeyring()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("console.ini"));
    const QString password = QStringLiteral("keyring-password-1");
    const QString apiKey = QStringLiteral("keyring-api-key-1");
    const auto fileHolds = [&path](const QString &text) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) && file.readAll().contains(text.toUtf8());
    };
    ServerProfile p;
    p.name = QStringLiteral("prod");
    p.url = QUrl(QStringLiteral("wss://switchboard.example/ws"));
    p.username = QStringLiteral("ops");
    p.password = password;
    p.rememberSecret = true;
    {
        QSettings settings(path, QSettings::IniFormat);
        ProfileStore store(&settings, &m_keyring);
        QCOMPARE(store.save(p), ProfileStore::SecretPlace::Keyring);
    }
    QVERIFY(!fileHolds(password));
    {
        QSettings settings(path, QSettings::IniFormat);
        ProfileStore store(&settings, &m_keyring);
        const ServerProfile read = store.profile(QStringLiteral("prod"));
        QVERIFY(read.rememberSecret);
        QCOMPARE(read.password, password);
        // The API key replaces the password in the keyring.
        p.mode = ServerProfile::AuthMode::ApiKey;
        p.apiKey = apiKey;
        QCOMPARE(store.save(p), ProfileStore::SecretPlace::Keyring);
        QCOMPARE(store.profile(QStringLiteral("prod")).apiKey, apiKey);
        QString left;
        QCOMPARE(m_keyring.read(QStringLiteral("profiles/prod/password"), &left),
                 SecretStore::Status::NotFound);
        QCOMPARE(m_keyring.read(QStringLiteral("profiles/prod/api_key"), &left),
                 SecretStore::Status::Ok);
        QCOMPARE(left, apiKey);
        // Unticking forgets it, in the keyring too.
        p.rememberSecret = false;
        QCOMPARE(store.save(p), ProfileStore::SecretPlace::NotKept);
        QVERIFY(store.profile(QStringLiteral("prod")).apiKey.isEmpty());
        QCOMPARE(m_keyring.read(QStringLiteral("profiles/prod/api_key"), &left),
                 SecretStore::Status::NotFound);
        // Removing a profile removes its secret.
        p.rememberSecret = true;
        QCOMPARE(store.save(p), ProfileStore::SecretPlace::Keyring);
        store.remove(QStringLiteral("prod"));
        QCOMPARE(m_keyring.read(QStringLiteral("profiles/prod/api_key"), &left),
                 SecretStore::Status::NotFound);
    }
    QVERIFY(!fileHolds(password));
    QVERIFY(!fileHolds(apiKey));
}

QTEST_GUILESS_MAIN(TestConsoleKeyring)
#include "tst_consolekeyring.moc"
