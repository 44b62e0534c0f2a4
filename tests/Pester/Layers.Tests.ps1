BeforeAll { . $PSScriptRoot/Common.ps1 }

# Storage layers as a user configures them: the platform YAML's bronze.layers list (issue 18).

Describe 'Layers in the platform YAML' {
    BeforeEach {
        $script:root = New-TestFolder 'layers-store'
        $script:config = Join-Path (New-TestFolder 'layers-config') 'platform.yaml'
    }
    AfterEach { Disconnect-BronzeStorage -All }

    It 'stacks compress over the local store, shows it in Location and round-trips a file' {
        Set-Content $config "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    layers:`n      - compress: { algorithm: zstd, level: 3 }`n"
        Connect-BronzeStorage -ConfigPath $config
        (Get-BronzeStorage).Location | Should -Be "zstd → $root"

        $source = Join-Path (New-TestFolder 'layers-src') 'data.csv'
        Set-Content $source (('id,name,value' + "`n") * 20000) -NoNewline
        Send-BronzeFile $source 'system=api/data.csv' | Out-Null
        $stored = Join-Path $root 'system=api/data.csv'
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($stored), 0, 4) | Should -Be 'MFCZ'
        (Get-Item $stored).Length | Should -BeLessThan ((Get-Item $source).Length / 10)

        $dest = Join-Path (New-TestFolder 'layers-get') 'back.csv'
        Get-BronzeFile 'system=api/data.csv' -Destination $dest | Out-Null
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash $source).Hash
    }

    It 'names the bad layer entry and key in a terminating error' {
        Set-Content $config "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    layers:`n      - compress: { algoritm: gzip }`n"
        $err = { Connect-BronzeStorage -ConfigPath $config } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        $err.Exception.Message | Should -BeLike "*platform.bronze.layers``[0``].compress.algoritm*did you mean 'algorithm'*"
    }
}
