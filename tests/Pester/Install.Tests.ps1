# build.ps1 Install and the pinned SDK (issue 13, item 11): after Install, a fresh pwsh with its own
# HOME finds the module by name, outside the clone.
BeforeAll { . $PSScriptRoot/Common.ps1 }

Describe 'build.ps1 Install' {
    It 'copies the built module into the user module path, so Import-Module MedallionFoundry works in a fresh pwsh' {
        $fakeHome = New-TestFolder 'install-home'
        $pwsh = @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
        $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; PSModulePath = $env:PSModulePath }
        try {
            $env:HOME = $fakeHome; $env:XDG_DATA_HOME = $null; $env:PSModulePath = $null
            $install = & $pwsh[0] $pwsh[1] -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../../build.ps1') Install -NoBuild 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $install
            $import = & $pwsh[0] $pwsh[1] -NoProfile -NonInteractive -Command 'Import-Module MedallionFoundry -ErrorAction Stop; (Get-Module MedallionFoundry).ModuleBase; (Get-Command Send-BronzeFile).Source' 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $import
        }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
        $import | Should -Match ([regex]::Escape((Join-Path $fakeHome '.local/share/powershell/Modules/MedallionFoundry/')))
        $import | Should -Match 'MedallionFoundry'
    }

    It 'global.json pins the SDK the build uses, rolling forward to later feature bands only' {
        $json = Get-Content (Join-Path $PSScriptRoot '../../global.json') -Raw | ConvertFrom-Json
        $json.sdk.rollForward | Should -Be 'latestFeature'
        $json.sdk.version | Should -Match '^10\.0\.\d+$'
        (Get-Content (Join-Path $PSScriptRoot '../../README.md') -Raw) | Should -Match ([regex]::Escape($json.sdk.version))
    }
}
