# Starts and stops the real servers the tests talk to, on 127.0.0.1 with free ports.
# Each started server is described by environment variables (MF_TEST_*) that the xunit fixtures
# and the Pester tests read; a test that needs a server fails when its variable is missing.

$script:ServersRoot = $PSScriptRoot
$script:Started = [System.Collections.Generic.List[object]]::new()

# The well-known Azurite development account (public, documented by Microsoft; not a secret).
$script:AzuriteAccount = 'devstoreaccount1'
$script:AzuriteKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

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
    $log = Join-Path $script:LogFolder "$Name.log"
    $info = [System.Diagnostics.ProcessStartInfo]::new('node')
    $info.ArgumentList.Add((Join-Path $script:ServersRoot $Script))
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
    Start-NodeServer -Name 'azurite' -Script 'node_modules/azurite/dist/src/blob/main.js' -Port $port `
        -Arguments @('--blobHost', '127.0.0.1', '--blobPort', "$port", '--inMemoryPersistence', '--loose',
            '--skipApiVersionCheck', '--disableTelemetry', '--silent') | Out-Null
    $env:MF_TEST_AZURE_BLOB_ENDPOINT = "http://127.0.0.1:$port/$script:AzuriteAccount"
    $env:MF_TEST_AZURE_ACCOUNT = $script:AzuriteAccount
    $env:MF_TEST_AZURE_KEY = $script:AzuriteKey
    $env:MF_TEST_AZURE_CONNECTION_STRING = "DefaultEndpointsProtocol=http;AccountName=$script:AzuriteAccount;AccountKey=$script:AzuriteKey;BlobEndpoint=http://127.0.0.1:$port/$script:AzuriteAccount;"
}

<#
.SYNOPSIS
Installs (once) and starts the named test servers; sets MF_TEST_* environment variables.
#>
function Start-TestServers {
    param([string[]] $Name = @('s3', 's3legacy', 'azurite'), [string] $WorkFolder)
    Install-TestServerPackages
    $script:DataFolder = Join-Path $WorkFolder 'server-data'
    $script:LogFolder = Join-Path $WorkFolder 'server-logs'
    New-Item -ItemType Directory -Force -Path $script:DataFolder, $script:LogFolder | Out-Null
    foreach ($n in $Name) {
        switch ($n) {
            's3' { Start-S3TestServer }
            's3legacy' { Start-S3LegacyTestServer }
            'azurite' { Start-AzuriteTestServer }
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
    Remove-Item Env:MF_TEST_* -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-TestServers, Stop-TestServers, Install-TestServerPackages, Get-FreeTcpPort
