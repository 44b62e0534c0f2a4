# Starts and stops the real servers the tests talk to, on 127.0.0.1 with free ports.
# Each started server is described by environment variables (MF_TEST_*) that the xunit fixtures
# and the Pester tests read; a test that needs a server fails when its variable is missing.

$script:ServersRoot = $PSScriptRoot
$script:Started = [System.Collections.Generic.List[object]]::new()

# The well-known Azurite development account (public, documented by Microsoft; not a secret).
$script:AzuriteAccount = 'devstoreaccount1'
$script:AzuriteKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

# The development account, for the playground's configs too.
function Get-AzuriteDevelopmentAccount { [pscustomobject]@{ Account = $script:AzuriteAccount; Key = $script:AzuriteKey } }

function Install-TestServerPackages {
    # npm ci keeps the exact versions of package-lock.json.
    if (Test-Path (Join-Path $script:ServersRoot 'node_modules/.package-lock.json')) { return }
    Write-Host 'Installing the test servers from npm (azurite, @20minutes/s3rver, s3rver 3.7.1)...'
    Push-Location $script:ServersRoot
    try {
        & npm ci --no-audit --no-fund --loglevel=error | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "npm ci failed in $script:ServersRoot (exit $LASTEXITCODE)." }
    } finally { Pop-Location }
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-TcpPort([int] $Port, [System.Diagnostics.Process] $Process, [string] $Name, [int] $TimeoutSeconds = 60) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Process.HasExited) { throw "The $Name server exited at start (exit code $($Process.ExitCode)). See its log in $($script:LogFolder)." }
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); return } catch { Start-Sleep -Milliseconds 200 } finally { $client.Dispose() }
    }
    throw "The $Name server did not listen on 127.0.0.1:$Port within $TimeoutSeconds s."
}

function Start-NodeServer([string] $Name, [string] $Script, [string[]] $Arguments, [int] $Port, [hashtable] $Environment = @{}) {
    Start-ServerProcess -Name $Name -FileName 'node' -Arguments (@((Join-Path $script:ServersRoot $Script)) + $Arguments) -Port $Port -Environment $Environment
}

function Start-ServerProcess([string] $Name, [string] $FileName, [string[]] $Arguments, [int] $Port, [hashtable] $Environment = @{}) {
    $log = Join-Path $script:LogFolder "$Name.log"
    $info = [System.Diagnostics.ProcessStartInfo]::new($FileName)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $info.Environment[$k] = $Environment[$k] }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    # Drain the server's output into its log so a chatty server never blocks on a full pipe.
    $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.File]::Open($log, 'Create', 'Write', 'ReadWrite'))
    $null = $process.StandardError.BaseStream.CopyToAsync([System.IO.File]::Open("$log.err", 'Create', 'Write', 'ReadWrite'))
    Wait-TcpPort -Port $Port -Process $process -Name $Name
    $script:Started.Add([pscustomobject]@{ Name = $Name; Process = $process; Port = $Port })
    $process
}

function Start-S3TestServer {
    # @20minutes/s3rver 5.0.0: the main S3 server. Its continuation tokens use a cipher node 17+
    # disables (hence the legacy OpenSSL provider); its bucket-level signature check has a
    # trailing-slash bug (hence --allow-mismatched-signatures).
    $port = Get-FreeTcpPort
    $data = Join-Path $script:DataFolder 's3'
    New-Item -ItemType Directory -Force -Path $data | Out-Null
    Start-NodeServer -Name 's3' -Script 'start-s3rver.js' -Port $port `
        -Arguments @('--address', '127.0.0.1', '--port', "$port", '--directory', $data, '--silent', '--allow-mismatched-signatures') `
        -Environment @{ NODE_OPTIONS = '--openssl-legacy-provider' } | Out-Null
    $env:MF_TEST_S3_ENDPOINT = "http://127.0.0.1:$port"
    $env:MF_TEST_S3_ACCESS_KEY = 'S3RVER'
    $env:MF_TEST_S3_SECRET_KEY = 'S3RVER'
}

function Start-S3LegacyTestServer {
    # s3rver 3.7.1: stores aws-chunked bodies verbatim; our "legacy S3-compatible store".
    $port = Get-FreeTcpPort
    $data = Join-Path $script:DataFolder 's3legacy'
    New-Item -ItemType Directory -Force -Path $data | Out-Null
    Start-NodeServer -Name 's3legacy' -Script 'node_modules/s3rver-legacy/bin/s3rver.js' -Port $port `
        -Arguments @('--address', '127.0.0.1', '--port', "$port", '--directory', $data, '--silent', '--allow-mismatched-signatures') `
        -Environment @{ NODE_OPTIONS = '--openssl-legacy-provider' } | Out-Null
    $env:MF_TEST_S3LEGACY_ENDPOINT = "http://127.0.0.1:$port"
}

function Start-AzuriteTestServer {
    $port = Get-FreeTcpPort
    # In memory, Azurite refuses writes (HTTP 409 MemoryExtentStoreAtSizeLimit) once its blobs pass half the
    # machine's memory, and a deleted blob's bytes count until its periodic clean-up. The benchmark writes
    # ~11 GiB into one Azurite (W1's 512 MiB uploads, deleted after each check, then W1Big's 2 GiB): 16 GiB.
    Start-NodeServer -Name 'azurite' -Script 'node_modules/azurite/dist/src/blob/main.js' -Port $port `
        -Arguments @('--blobHost', '127.0.0.1', '--blobPort', "$port", '--inMemoryPersistence', '--extentMemoryLimit', '16384', '--loose',
            '--skipApiVersionCheck', '--disableTelemetry', '--silent') | Out-Null
    $env:MF_TEST_AZURE_BLOB_ENDPOINT = "http://127.0.0.1:$port/$script:AzuriteAccount"
    $env:MF_TEST_AZURE_ACCOUNT = $script:AzuriteAccount
    $env:MF_TEST_AZURE_KEY = $script:AzuriteKey
    $env:MF_TEST_AZURE_CONNECTION_STRING = "DefaultEndpointsProtocol=http;AccountName=$script:AzuriteAccount;AccountKey=$script:AzuriteKey;BlobEndpoint=http://127.0.0.1:$port/$script:AzuriteAccount;"
}

# OpenSSH's sshd (Debian package openssh-server) as a non-daemon on a free port, for the SFTP
# backend. It runs as root (privilege separation needs it) and logs in a local test user made for
# this run (mfsftp-<random>, so test runs side by side never share one; removed by Stop-TestServers)
# by a random password or by a generated ed25519 key with a passphrase. No chroot: the backend
# itself must keep every path inside its root, and the tests check that.
$script:SftpUserPrefix = 'mfsftp-'
$script:SftpUser = $null

# Debian packages the tests need, installed together when any is missing: the SFTP server, and the
# peer tools the interop tests write objects with (aws-cli 2 at /usr/bin/aws, rclone).
$script:DebianTestPackages = [ordered]@{ '/usr/sbin/sshd' = 'openssh-server'; '/usr/bin/aws' = 'awscli'; '/usr/bin/rclone' = 'rclone' }

function Install-DebianTestPackages {
    $missing = @($script:DebianTestPackages.Keys | Where-Object { -not (Test-Path $_) } | ForEach-Object { $script:DebianTestPackages[$_] })
    if ($missing.Count -eq 0) { return }
    if ((id -u) -ne '0') { throw "The tests need the Debian packages $($missing -join ', '): run apt-get install -y $($missing -join ' ') as root, or run the tests as root." }
    Write-Host "Installing test packages (apt-get install -y $($missing -join ' '))..."
    & apt-get update -qq | Out-Host
    & apt-get install -y -qq @missing | Out-Host
    $still = @($script:DebianTestPackages.Keys | Where-Object { -not (Test-Path $_) })
    if ($LASTEXITCODE -ne 0 -or $still.Count -gt 0) { throw "apt-get install $($missing -join ' ') failed (exit $LASTEXITCODE); missing: $($still -join ', ')." }
}

function Invoke-Tool([string] $What, [scriptblock] $Command) {
    $output = & $Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE): $output" }
    $output
}

function New-RandomSecret {
    # Letters and digits only: safe in chpasswd input and on any command line.
    -join (1..24 | ForEach-Object { [char[]]'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789' | Get-Random })
}

# Test users of runs that were killed before Stop-TestServers: their root folder (home) is gone.
function Remove-StaleSftpUsers {
    foreach ($line in @(getent passwd)) {
        $fields = $line -split ':'
        if ($fields[0].StartsWith($script:SftpUserPrefix) -and -not (Test-Path $fields[5])) { & userdel --force $fields[0] 2>&1 | Out-Null }
    }
}

function Start-SftpTestServer {
    if ((id -u) -ne '0') { throw 'The SFTP test server logs in a local test user: run the tests as root (or with sudo).' }
    $dir = Join-Path $script:DataFolder 'sshd'
    $root = Join-Path $script:DataFolder 'sftp-root'
    New-Item -ItemType Directory -Force -Path $dir, $root, '/run/sshd' | Out-Null

    Remove-StaleSftpUsers
    $user = $script:SftpUserPrefix + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Invoke-Tool "useradd $user" { useradd --no-create-home --home-dir $root --shell /usr/sbin/nologin $user } | Out-Null
    $script:SftpUser = $user
    $password = New-RandomSecret
    Invoke-Tool 'chpasswd' { "$($user):$password" | chpasswd } | Out-Null
    Invoke-Tool 'chown' { chown "$($user):" $root } | Out-Null

    $hostKey = Join-Path $dir 'host_ed25519'
    $userKey = Join-Path $dir 'user_ed25519'
    $passphrase = New-RandomSecret
    Invoke-Tool 'ssh-keygen (host key)' { ssh-keygen -q -t ed25519 -N '' -C 'mf-test-host' -f $hostKey } | Out-Null
    Invoke-Tool 'ssh-keygen (user key)' { ssh-keygen -q -t ed25519 -N $passphrase -C 'mf-test-user' -f $userKey } | Out-Null
    Copy-Item "$userKey.pub" (Join-Path $dir 'authorized_keys')

    $port = Get-FreeTcpPort
    $config = Join-Path $dir 'sshd_config'
    @(
        "Port $port", 'ListenAddress 127.0.0.1', "HostKey $hostKey", "PidFile $(Join-Path $dir 'sshd.pid')",
        'UsePAM no', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes',
        "AuthorizedKeysFile $(Join-Path $dir 'authorized_keys')", 'StrictModes no', 'PermitRootLogin no',
        "AllowUsers $user", 'Subsystem sftp internal-sftp', "ForceCommand internal-sftp -d $root",
        'MaxStartups 200', 'MaxSessions 50', 'LogLevel VERBOSE'
    ) | Set-Content -Path $config
    Invoke-Tool 'sshd -t (config check)' { /usr/sbin/sshd -t -f $config } | Out-Null
    Start-ServerProcess -Name 'sftp' -FileName '/usr/sbin/sshd' -Arguments @('-D', '-e', '-f', $config) -Port $port | Out-Null

    $knownHosts = Join-Path $dir 'known_hosts'
    $publicKey = (Get-Content "$hostKey.pub" -Raw).Trim() -split ' '
    "[127.0.0.1]:$port $($publicKey[0]) $($publicKey[1])" | Set-Content -Path $knownHosts
    $fingerprint = ((Invoke-Tool 'ssh-keygen -lf' { ssh-keygen -lf "$hostKey.pub" }) -split ' ')[1]

    $env:MF_TEST_SFTP_HOST = '127.0.0.1'
    $env:MF_TEST_SFTP_PORT = "$port"
    $env:MF_TEST_SFTP_USER = $user
    $env:MF_TEST_SFTP_PASSWORD = $password
    $env:MF_TEST_SFTP_KEY_PATH = $userKey
    $env:MF_TEST_SFTP_KEY_PASSPHRASE = $passphrase
    $env:MF_TEST_SFTP_KNOWN_HOSTS = $knownHosts
    $env:MF_TEST_SFTP_HOST_FINGERPRINT = $fingerprint
    $env:MF_TEST_SFTP_ROOT = $root
    $env:MF_TEST_SFTP_CONFIG = $config
}

<#
.SYNOPSIS
Installs (once) and starts the named test servers; sets MF_TEST_* environment variables.
#>
function Start-TestServers {
    param([string[]] $Name = @('s3', 's3legacy', 'azurite', 'sftp'), [string] $WorkFolder)
    Install-TestServerPackages
    Install-DebianTestPackages
    $script:DataFolder = Join-Path $WorkFolder 'server-data'
    $script:LogFolder = Join-Path $WorkFolder 'server-logs'
    New-Item -ItemType Directory -Force -Path $script:DataFolder, $script:LogFolder | Out-Null
    foreach ($n in $Name) {
        switch ($n) {
            's3' { Start-S3TestServer }
            's3legacy' { Start-S3LegacyTestServer }
            'azurite' { Start-AzuriteTestServer }
            'sftp' { Start-SftpTestServer }
            default { throw "Unknown test server '$n'." }
        }
        Write-Host "Started test server '$n' on port $($script:Started[-1].Port)."
    }
}

function Stop-TestServers {
    foreach ($server in $script:Started) {
        if (-not $server.Process.HasExited) {
            try { $server.Process.Kill($true) } catch { }
            $null = $server.Process.WaitForExit(5000)
        }
    }
    $script:Started.Clear()
    # The SFTP test user belongs to this run only.
    if ($script:SftpUser) { & userdel --force $script:SftpUser 2>&1 | Out-Null; $script:SftpUser = $null }
    Remove-Item Env:MF_TEST_* -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-TestServers, Stop-TestServers, Install-TestServerPackages, Get-FreeTcpPort, Get-AzuriteDevelopmentAccount
