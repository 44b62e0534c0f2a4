<#
.SYNOPSIS
Precompiles the module's start-up assemblies to native code (ReadyToRun) for the runtime pwsh runs on.

.DESCRIPTION
A fresh `pwsh -File` run that connects and uploads one file spends most of its time in the JIT: the AWS
and Azure SDKs, Polly and our own code ship as IL only. ReadyToRun images carry native code beside the IL,
so those methods need no JIT. The runtime uses that code only when the image was compiled for its own
major version (images compiled for .NET 8 are ignored by .NET 10) and OS/architecture; anywhere else it
JITs the IL exactly as before. So the images are compiled for the runtime of the pwsh running the build
(pwsh 7.6: .NET 10), on this machine's OS/architecture, against that runtime's framework and $PSHOME.

Only the assemblies the first connect and transfer load are compiled (a large crypto library that only
SFTP key logins use would add half a minute to every build). Compiled images are cached by input hash
under obj/ReadyToRun, so a rebuild compiles only what changed (our two assemblies).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $CacheFolder
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# The module's assemblies on the start paths (connect + first transfer, S3, Azure, local, config files).
$startup = @(
    'MedallionFoundry', 'MedallionFoundry.Core', 'AWSSDK.Core', 'AWSSDK.S3', 'Polly.Core', 'Polly.RateLimiting',
    'System.Threading.RateLimiting', 'System.IO.Hashing', 'Azure.Core', 'Azure.Storage.Blobs', 'Azure.Storage.Common',
    'System.ClientModel', 'System.Memory.Data', 'Microsoft.Bcl.AsyncInterfaces', 'YamlDotNet'
)

$runtime = [Environment]::Version
$os = if ($IsWindows) { 'windows' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
$arch = [Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
$rid = "$(if ($IsWindows) { 'win' } else { $os })-$arch"
$package = "microsoft.netcore.app.crossgen2.$rid"
$version = "$($runtime.Major).$($runtime.Minor).$($runtime.Build)"

$project = Join-Path $PSScriptRoot 'Crossgen/Crossgen.csproj'
dotnet restore $project --nologo -v quiet "-p:Crossgen2Package=$package" "-p:Crossgen2Version=$version"
if ($LASTEXITCODE -ne 0) {
    Write-Warning "ReadyToRun skipped: crossgen2 $version for $rid could not be restored; the module runs as IL (slower first calls)."
    return
}
$packages = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
$crossgen = Join-Path $packages "$package/$version/tools/$(if ($IsWindows) { 'crossgen2.exe' } else { 'crossgen2' })"
if (-not (Test-Path $crossgen)) { throw "crossgen2 was restored but $crossgen is missing." }

$framework = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
$dependencies = Join-Path $ModulePath 'dependencies'
# One reference per assembly name, as the module's load context resolves them at run time: the
# framework, then the module's own assemblies, then PowerShell's (System.Management.Automation...).
$references = [ordered]@{}
foreach ($folder in @($framework, $dependencies, $ModulePath, $PSHOME)) {
    foreach ($dll in Get-ChildItem $folder -Filter '*.dll' -File) {
        if (-not $references.Contains($dll.BaseName)) { $references[$dll.BaseName] = $dll.FullName }
    }
}
New-Item -ItemType Directory -Force $CacheFolder | Out-Null

$compiled = 0; $cached = 0
foreach ($name in $startup) {
    $file = @((Join-Path $ModulePath "$name.dll"), (Join-Path $dependencies "$name.dll")) | Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $file) { throw "ReadyToRun: $name.dll is not in the module." }
    # The key covers the input and everything the native code was compiled against.
    $key = (Get-FileHash $file -Algorithm SHA256).Hash.Substring(0, 16) + "-$version-$rid"
    $image = Join-Path $CacheFolder "$name-$key.dll"
    if (Test-Path $image) { $cached++ }
    else {
        $log = & $crossgen $file -o "$image.tmp" --targetos $os --targetarch $arch -O @($references.Values | ForEach-Object { '-r', $_ }) 2>&1
        if ($LASTEXITCODE -ne 0) { throw "crossgen2 failed for $name.dll:`n$($log -join "`n")" }
        Move-Item "$image.tmp" $image -Force
        # Old images of this assembly are of older inputs.
        Get-ChildItem $CacheFolder -Filter "$name-*.dll" | Where-Object FullName -ne $image | Remove-Item -Force
        $compiled++
    }
    Copy-Item $image $file -Force
}
Write-Host "ReadyToRun (.NET $version, $rid): $($startup.Count) assemblies ($compiled compiled, $cached cached)"
