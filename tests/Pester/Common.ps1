# Shared by the Pester test files: import the built module and make scratch folders.
$ErrorActionPreference = 'Stop'
$modulePath = $env:MF_MODULE_PATH
if (-not $modulePath) { $modulePath = Join-Path $PSScriptRoot '../../out/MedallionFoundry' }
Import-Module (Join-Path $modulePath 'MedallionFoundry.psd1') -Force

function New-TestFolder([string] $Purpose = 'pester') {
    $path = Join-Path ([IO.Path]::GetTempPath()) "mf-pester-$Purpose-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
    New-Item -ItemType Directory -Path $path -Force | Out-Null
    $path
}

function New-TestFile([string] $Path, [int] $Size = 1024, [int] $Seed = 1) {
    New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
    $bytes = [byte[]]::new($Size)
    [Random]::new($Seed).NextBytes($bytes)
    [IO.File]::WriteAllBytes($Path, $bytes)
    Get-Item $Path
}

# Asks for a value the test server harness sets; fails (never skips) when the server is missing.
function Get-RequiredTestVariable([string] $Name) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if (-not $value) { throw "The environment variable $Name is not set: start the test servers (build.ps1 Test)." }
    $value
}

# Runs a script in a fresh pwsh (the same one running the tests) and returns its output and exit code.
function Invoke-ChildPwsh([string] $Script, [hashtable] $Environment = @{}) {
    $file = Join-Path ([IO.Path]::GetTempPath()) "mf-child-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -Path $file -Value $Script
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

# The module manifest the tests import (for child processes).
$script:ModuleManifest = Join-Path $modulePath 'MedallionFoundry.psd1'
